// The `cairn` CLI as a user runs it: a real child process over dist/ (built by `npm test`).
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedLlamaModel, tinyConfig } from '../../test-support/llama-builder.js';
import { Model } from '../engine/model.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'cairn.js');
const cairn = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('cairn CLI', () => {
  test('dist/ is built (npm test runs the build first)', () => {
    expect(existsSync(join(root, 'dist', 'electron', 'cli', 'main.js'))).toBe(true);
  });

  const model = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q4_k_m', { ropeFreqs: true, tiedOutput: true }));

  test('inspect describes a model', () => {
    const r = cairn('inspect', model);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/architecture: llama/);
    expect(r.stdout).toMatch(/model: vocab 1024, embd 256, layers 3, heads 4\/1 kv, head_dim 64, ff 768/);
    expect(r.stdout).toMatch(/\+ rope_freqs, tied output/);
    const j = JSON.parse(cairn('inspect', model, '--json').stdout);
    expect(j.model.loadable).toBe(true);
    expect(j.tensorTypes.q4_K).toBeGreaterThan(0);
  });

  test('inspect refuses a bad file with one line and exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
    const bad = join(dir, 'bad.gguf');
    const good = readFileSync(model);
    writeFileSync(bad, good.subarray(0, 1000));
    const r = cairn('inspect', bad);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cairn inspect: .*bad\.gguf.*truncated/);
    const missing = cairn('inspect', join(dir, 'nope.gguf'));
    expect(missing.status).toBe(1);
  });

  // Valid GGUF files that are not usable models, made by patching the bytes of a good one (the reader
  // accepts each; the engine or the tokenizer refuses it): exit 2 and the reason, apart from exit 1.
  describe('inspect: a valid GGUF that is not a usable model exits 2 and says why', () => {
    const small = cachedLlamaModel(tinyConfig('tiny-hd32', 'f32'));
    /** `small` with the first `from` replaced by `to` (same length), or with `patch` applied after it. */
    const patched = (name: string, from: string, edit: string | ((b: Buffer, end: number) => void)) => {
      const b = Buffer.from(readFileSync(small));
      const at = b.indexOf(Buffer.from(from));
      expect(at).toBeGreaterThan(0);
      if (typeof edit === 'string') b.write(edit, at); else edit(b, at + from.length);
      const path = join(mkdtempSync(join(tmpdir(), 'cairn-cli-')), name);
      writeFileSync(path, b);
      return path;
    };
    const cases: [string, string, string | ((b: Buffer, end: number) => void), RegExp][] = [
      ['missing-tensor.gguf', 'blk.1.ffn_down.weight', 'blk.1.ffn_down.weighX', /not loadable: .*blk\.1\.ffn_down\.weight/],
      // the u32 after the key's type tag: 4 query heads over 3 KV heads cannot be grouped
      ['bad-heads.gguf', 'llama.attention.head_count_kv', (b, end) => b.writeUInt32LE(3, end + 4), /not loadable: .*head/],
      ['no-tokens.gguf', 'tokenizer.ggml.tokens', 'tokenizer.ggml.tokenX', /no usable tokenizer: .*tokenizer\.ggml\.tokens/],
    ];
    for (const [name, from, edit, why] of cases) {
      test(name, () => {
        const path = patched(name, from, edit);
        const r = cairn('inspect', path);
        expect(r.status, r.stderr).toBe(2);
        expect(r.stdout).toMatch(/GGUF v3/);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(new RegExp(`^cairn inspect: .*${name}: valid GGUF, but not a usable model: `));
        expect(r.stderr).toMatch(why);
        const j = cairn('inspect', path, '--json');
        expect(j.status).toBe(2);
        const rep = JSON.parse(j.stdout);
        expect(rep.model.loadable && rep.tokenizer.ok).toBe(false);
      });
    }
    test('the unpatched file exits 0', () => {
      const r = cairn('inspect', small);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/tokenizer: 512 tokens/);
    });
  });

  test('eval writes raw float32 logits equal to the engine API', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
    const out = join(dir, 'logits.f32');
    const r = cairn('eval', model, '--tokens', '1,2,3,4', '--all', '--out', out, '--threads', '1');
    expect(r.status, r.stderr).toBe(0);
    const got = new Float32Array(new Uint8Array(readFileSync(out)).buffer);
    const m = Model.load(model, { threads: 2 });
    const want = m.evalTokens([1, 2, 3, 4], { all: true });
    m.close();
    expect(got.length).toBe(4 * 1024);
    // rows are partitioned across threads but each dot product is computed by one thread: bit-exact
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
  });

  test('eval rejects bad arguments clearly', () => {
    expect(cairn('eval', model, '--tokens', '1,x').stderr).toMatch(/--tokens must be a comma-separated list/);
    const r = cairn('eval', model, '--tokens', '1,99999');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/token 99999 at index 1 is outside the vocabulary of 1024/);
  });
});
