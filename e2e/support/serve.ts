// serve.ts — runs the real `cairn serve` for a spec: a free port, a temp data folder, the built-in
// model; the URL it prints (with its per-launch token) is what the page opens. restart() stops it
// and starts a new process on the same data folder (a new port and token), as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Served { url: string; dataDir: string; process: ChildProcess }

export class CairnServe {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'cairn-e2e-'));
  readonly cacheDir = mkdtempSync(join(tmpdir(), 'cairn-e2e-cache-'));
  private child: ChildProcess | null = null;
  url = '';
  output = '';

  async start(): Promise<string> {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'cairn.js'), 'serve', '--port', '0', '--data', this.dataDir], {
      cwd: repoRoot, env: { ...process.env, CAIRN_CACHE_DIR: this.cacheDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer) => {
        this.output += d.toString();
        const m = /(http:\/\/[^\s]+#token=[A-Za-z0-9_-]+)/.exec(this.output);
        if (m) resolve(m[1]);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`cairn serve exited (${code}) before printing its URL:\n${this.output}`)));
    });
    return this.url;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }

  async restart(): Promise<string> {
    await this.stop();
    this.output = '';
    return this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.cacheDir, { recursive: true, force: true });
  }
}
