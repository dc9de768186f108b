// The model identity cache: a file is hashed once, an unchanged file is answered from the cache,
// a changed one (mtime, size, replaced) is hashed again, and a broken cache only costs a re-hash.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cacheDir, fileSha256, sha256File } from './model-identity.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const cacheFile = () => join(cacheDir(), 'model-sha256.json');
const FAKE = 'ab'.repeat(32);

/** Rewrites every cached digest as FAKE (same stat keys): a later answer of FAKE came from the cache. */
function poisonCache(): void {
  const j = JSON.parse(readFileSync(cacheFile(), 'utf8')) as { entries: Record<string, { sha256: string }> };
  for (const e of Object.values(j.entries)) e.sha256 = FAKE;
  writeFileSync(cacheFile(), JSON.stringify(j));
}

describe('sha256File', () => {
  it('hashes a file by streaming (across the 16 MiB reads) and refuses what is not a file', async () => {
    const path = join(dir, 'model.gguf');
    const content = Buffer.alloc((1 << 24) + 17, 7);
    content[1 << 24] = 1;
    writeFileSync(path, content);
    expect(await sha256File(path)).toBe(sha(content));
    writeFileSync(join(dir, 'empty'), '');
    expect(await sha256File(join(dir, 'empty'))).toBe(sha(Buffer.alloc(0)));
    await expect(sha256File(dir)).rejects.toThrow(/not a regular file/);
    await expect(sha256File(join(dir, 'missing.gguf'))).rejects.toThrow(/ENOENT/);
  });
});

describe('fileSha256', () => {
  let n = 0;
  beforeEach(() => { process.env.CAIRN_CACHE_DIR = join(dir, `cache-${n++}`); });

  it('hashes once, then answers an unchanged file from the cache', async () => {
    const f = join(dir, 'a.gguf'), content = Buffer.alloc(3 << 20, 5);
    writeFileSync(f, content);
    expect(await fileSha256(f)).toBe(sha(content));
    poisonCache();
    expect(await fileSha256(f)).toBe(FAKE); // the cache was used: no re-hash
  });

  it('hashes again when the file changes: mtime, size, or replaced by a rename', async () => {
    const f = join(dir, 'b.gguf'), one = Buffer.alloc(1000, 1), two = Buffer.alloc(1000, 2);
    writeFileSync(f, one);
    await fileSha256(f);
    poisonCache();
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    expect(await fileSha256(f)).toBe(sha(one)); // same bytes, new mtime: hashed again
    poisonCache();
    writeFileSync(join(dir, 'b.tmp'), two);
    renameSync(join(dir, 'b.tmp'), f); // a download replacing the file
    expect(await fileSha256(f)).toBe(sha(two));
    poisonCache();
    writeFileSync(f, Buffer.concat([two, two]));
    expect(await fileSha256(f)).toBe(sha(Buffer.concat([two, two])));
  });

  it('a corrupt or unwritable cache only costs a re-hash', async () => {
    const f = join(dir, 'c.gguf'), content = Buffer.alloc(4096, 9);
    writeFileSync(f, content);
    await fileSha256(f);
    for (const junk of ['{', '[]', '{"version":1,"entries":{"x":{"sha256":1}}}', '{"version":2,"entries":{}}']) {
      writeFileSync(cacheFile(), junk);
      expect(await fileSha256(f)).toBe(sha(content));
    }
    process.env.CAIRN_CACHE_DIR = f; // a file where the directory should be: nothing can be written
    expect(await fileSha256(f)).toBe(sha(content));
    expect(readFileSync(f).equals(content)).toBe(true);
  });
});
