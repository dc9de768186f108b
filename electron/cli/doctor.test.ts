// `cairn doctor` as a user runs it (a child process over dist/): what the machine gives Cairn.
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const doctor = (env: Record<string, string | undefined>, ...args: string[]) => {
  const e = { ...process.env, ...env };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return spawnSync(process.execPath, [join(root, 'bin', 'cairn.js'), 'doctor', ...args], { encoding: 'utf8', timeout: 60_000, env: e });
};

describe('cairn doctor', () => {
  test('reports backends, the one chosen, tools and the test plan', () => {
    const r = doctor({ CAIRN_BACKEND: undefined }, '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.backends.reference.available).toBe(true);
    expect(j.backendChosen).toBe(j.backendAuto);
    expect(j.backends[j.backendAuto].available).toBe(true);
    expect(j.backendForced).toBeUndefined();
    expect(typeof j.hugePages).toBe('string');
    expect(j.compilers.cc).toMatch(/\S/);  // the engine was built with it
    expect(j.tests.map((t: { part: string }) => t.part)).toEqual(expect.arrayContaining(['native:test', 'native:neon', 'llama.cpp oracle']));
    for (const t of j.tests) if (!t.runs) expect(t.why, t.part).toMatch(/\S/);
    const text = doctor({ CAIRN_BACKEND: undefined });
    expect(text.stdout).toMatch(/^cairn doctor — /);
    expect(text.stdout).toMatch(/\nnpm test here:\n/);
  });

  test('CAIRN_BACKEND forces the backend a load gets; a bad value is refused clearly', () => {
    const j = JSON.parse(doctor({ CAIRN_BACKEND: 'reference' }, '--json').stdout);
    expect(j.backendChosen).toBe('reference');
    expect(j.backendForced).toBe('reference');
    const bad = doctor({ CAIRN_BACKEND: 'fastest' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/CAIRN_BACKEND must be one of auto, reference, avx2, avx512, neon, amx, metal, cpu \(it is 'fastest'\)/);
  });

  test("finds Electron's binary, or says it is missing, without downloading it", () => {
    const pathTxt = join(root, 'node_modules', 'electron', 'path.txt');
    const before = existsSync(pathTxt);
    const r = doctor({}, '--json');
    const j = JSON.parse(r.stdout);
    expect(existsSync(pathTxt)).toBe(before);
    expect(r.stdout + r.stderr).not.toMatch(/Downloading/);
    if (before) expect(j.electron.binary ?? j.electron.why).toMatch(/\S/);
    else expect(j.electron).toMatchObject({ binary: null, why: expect.stringMatching(/path\.txt is absent/) });
  });
});
