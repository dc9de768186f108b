// Drag-in path checks on real files of every kind: FIFOs, folders, devices, sockets, symlinks (to a
// file, dangling, looping), empty and truncated files, wrong extensions and magic, sparse files past
// the size bound; and the real built-in model.
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, realpathSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDroppedPath, isFileError, LIMITS } from './check-path.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cairn-drop-')));
const put = (name: string, bytes: Uint8Array | string) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
const gguf = () => { const b = Buffer.alloc(64); b.write('GGUF', 0, 'latin1'); b.writeUInt32LE(3, 4); return b; };
const safetensors = (header: string, dataBytes = 16) => {
  const h = Buffer.from(header, 'utf8');
  const b = Buffer.alloc(8 + h.length + dataBytes);
  b.writeBigUInt64LE(BigInt(h.length), 0);
  h.copy(b, 8);
  return b;
};
const refusal = async (p: string, kind: 'gguf' | 'cairn', why: RegExp) => {
  const r = await checkDroppedPath(p, kind);
  expect(isFileError(r) ? r : { unexpected: r }).toEqual({ code: 'E_FILE', message: expect.stringMatching(why) });
};

describe('checkDroppedPath', () => {
  test('accepts a GGUF and a .cairn, returning the real path, kind and size', async () => {
    const m = put('model.GGUF', gguf());
    expect(await checkDroppedPath(m, 'gguf')).toEqual({ path: m, kind: 'gguf', bytes: 64 });
    const s = put('chat.cairn', safetensors('{"__metadata__":{}}'));
    expect(await checkDroppedPath(s, 'cairn')).toEqual({ path: s, kind: 'cairn', bytes: 8 + 19 + 16 });
  });

  test('the built-in model passes', async () => {
    const builtin = join(import.meta.dirname, '..', '..', '..', 'assets', 'models', 'cairn-demo-28m-q8_0.gguf');
    const r = await checkDroppedPath(builtin, 'gguf');
    expect(isFileError(r)).toBe(false);
  });

  test('a symlink resolves to its target; a dangling one and a loop are refused', async () => {
    const target = put('real.gguf', gguf());
    symlinkSync(target, join(dir, 'link.gguf'));
    expect(await checkDroppedPath(join(dir, 'link.gguf'), 'gguf')).toMatchObject({ path: target });
    symlinkSync(join(dir, 'nowhere.gguf'), join(dir, 'dangling.gguf'));
    await refusal(join(dir, 'dangling.gguf'), 'gguf', /does not exist/);
    symlinkSync(join(dir, 'loop-b.gguf'), join(dir, 'loop-a.gguf'));
    symlinkSync(join(dir, 'loop-a.gguf'), join(dir, 'loop-b.gguf'));
    await refusal(join(dir, 'loop-a.gguf'), 'gguf', /symbolic links loop/);
    // the extension that counts is the real file's
    symlinkSync(put('notes.txt', gguf()), join(dir, 'disguised.gguf'));
    await refusal(join(dir, 'disguised.gguf'), 'gguf', /not a \.gguf file/);
  });

  test('a FIFO is refused without blocking; a folder, a device and a socket too', async () => {
    const fifo = join(dir, 'pipe.gguf');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    await refusal(fifo, 'gguf', /FIFO/);
    mkdirSync(join(dir, 'folder.gguf'));
    await refusal(join(dir, 'folder.gguf'), 'gguf', /a folder, not a file/);
    symlinkSync('/dev/zero', join(dir, 'zero.gguf'));
    await refusal(join(dir, 'zero.gguf'), 'gguf', /a character device, not a file/);
    const sock = join(dir, 'sock.cairn');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try { await refusal(sock, 'cairn', /a socket, not a file/); } finally { server.close(); }
  });

  test('empty, truncated, wrong-magic and wrong-extension files are refused with why', async () => {
    await refusal(put('empty.gguf', ''), 'gguf', /empty file/);
    await refusal(put('short.gguf', 'GGUF'), 'gguf', /too small .*truncated/);
    await refusal(put('zeros.gguf', Buffer.alloc(64)), 'gguf', /does not start with "GGUF"/);
    await refusal(put('model.bin', gguf()), 'gguf', /not a \.gguf file/);
    await refusal(put('model2.gguf', gguf()), 'cairn', /not a \.cairn file/);
    await refusal(put('short.cairn', safetensors('{}').subarray(0, 9)), 'cairn', /too small/);
    const big = Buffer.alloc(64); big.writeBigUInt64LE(2n ** 40n, 0);
    await refusal(put('huge-header.cairn', big), 'cairn', /header length 1099511627776 is outside/);
    const past = safetensors('{"a":1}', 0); past.writeBigUInt64LE(100n, 0);
    await refusal(put('past.cairn', past), 'cairn', /runs past the end/);
    await refusal(put('array.cairn', safetensors('[1,2,3,4]')), 'cairn', /not a JSON object/);
    await refusal(put('gguf-inside.cairn', gguf()), 'cairn', /not a \.cairn snapshot/);
  });

  test('a (sparse) file past the size bound is refused', async () => {
    const p = put('giant.gguf', gguf());
    const fd = openSync(p, 'r+');
    try { ftruncateSync(fd, LIMITS.gguf.max + 1); } finally { closeSync(fd); }
    await refusal(p, 'gguf', /larger than the 1024 GiB/);
  });

  test('relative paths, NUL and non-existent files are refused', async () => {
    await refusal('model.gguf', 'gguf', /not an absolute path/);
    await refusal(join(dir, 'a\0.gguf'), 'gguf', /cannot hold NUL/);
    await refusal(join(dir, 'missing.gguf'), 'gguf', /does not exist/);
    await refusal(join(dir, 'real.gguf', 'x.gguf'), 'gguf', /not a folder/);
  });
});
