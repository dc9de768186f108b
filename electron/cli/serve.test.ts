// `cairn serve` as a user runs it (the built CLI): the URL with its token, the OpenAI API, a warning
// and the token required for /v1 on a non-loopback address, a clean stop on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'cairn.js');

async function serve(args: string[], body: (url: string, token: string, stderr: () => string) => Promise<void>): Promise<{ code: number | null; stdout: string }> {
  const data = mkdtempSync(join(tmpdir(), 'cairn-serve-'));
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data', data, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  try {
    const m = await new Promise<RegExpExecArray>((resolve, reject) => {
      const look = () => { const x = /open (http:\/\/[^/\s]+)\/#token=([A-Za-z0-9_-]+)/.exec(stdout); if (x) resolve(x); };
      child.stdout.on('data', look);
      void exited.then((c) => reject(new Error(`cairn serve exited (${c}): ${stdout}${stderr}`)));
    });
    await body(m[1], m[2], () => stderr);
    child.kill('SIGTERM');
    return { code: await exited, stdout };
  } finally {
    child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
}

describe('cairn serve', () => {
  it('prints the URL with the token, serves the OpenAI API, stops cleanly on SIGTERM', async () => {
    const r = await serve([], async (url) => {
      const models = await (await fetch(`${url}/v1/models`)).json();
      expect(models.data[0].id).toBe('cairn-demo-28m-q8_0');
      expect((await fetch(`${url}/api/call/settings.get`, { method: 'POST', body: '{}' })).status).toBe(401);
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('not saved as conversations');
    expect(r.stdout).toContain('stopping');
  });

  it('on a non-loopback address: warns, and /v1 needs the token', async () => {
    await serve(['--host', '0.0.0.0'], async (url, token, stderr) => {
      expect(stderr()).toMatch(/warning: listening on 0\.0\.0\.0/);
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      expect((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    });
  });

  it('refuses bad options with the usage', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    expect(await new Promise((r) => child.once('exit', r))).toBe(2);
    expect(err).toContain('--port must be an integer');
  });
});
