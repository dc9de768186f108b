// journal.ts — the append-only record log of one conversation (journal.log).
//
//   record = u32 LE payload length | u32 LE CRC-32 (IEEE) of the payload | payload (UTF-8 JSON object)
//
// A crash can leave the last append incomplete (a short record, or on some file systems a record of
// full length whose bytes never reached the disk). Such a torn tail is recognised because no valid
// record follows it; it was never acknowledged (an append resolves only after fdatasync), so it is
// cut away. A bad record with a valid record after it cannot come from a crash: it is corruption in
// the middle, and the caller quarantines the conversation instead of guessing.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 8;
/** Largest payload accepted (a 4,000,000-character message JSON-escaped fits many times over). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
const OPEN_BRACE = 0x7b;

export function encodeRecord(value: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(value), 'utf8');
  if (payload.length > MAX_RECORD_BYTES) throw new RangeError(`journal record of ${payload.length} bytes exceeds ${MAX_RECORD_BYTES}`);
  const rec = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  rec.writeUInt32LE(payload.length, 0);
  rec.writeUInt32LE(crc32(payload), 4);
  payload.copy(rec, HEADER_BYTES);
  return rec;
}

/** Why the record at `pos` is not valid, or null when it is (its payload ends at pos + 8 + length). */
function recordProblem(buf: Buffer, pos: number): string | null {
  const left = buf.length - pos;
  if (left < HEADER_BYTES) return `${left}-byte header fragment`;
  const len = buf.readUInt32LE(pos);
  if (len < 2 || len > MAX_RECORD_BYTES) return `length ${len} out of range`;
  if (len > left - HEADER_BYTES) return `length ${len} runs past the end of the file (${left - HEADER_BYTES} bytes left)`;
  if (buf[pos + HEADER_BYTES] !== OPEN_BRACE) return 'payload is not a JSON object';
  const crc = crc32(buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + len));
  if (crc !== buf.readUInt32LE(pos + 4)) return 'checksum mismatch';
  return null;
}

/** The first offset ≥ `from` where a complete valid record starts, or -1. JSON text cannot hold the
 *  bytes 0x00–0x1f unescaped, so a payload never contains something that parses as a header of a
 *  sane length: a hit is a real record. */
function nextValidRecord(buf: Buffer, from: number): number {
  for (let q = buf.indexOf(OPEN_BRACE, from + HEADER_BYTES); q >= 0; q = buf.indexOf(OPEN_BRACE, q + 1)) {
    if (recordProblem(buf, q - HEADER_BYTES) === null) return q - HEADER_BYTES;
  }
  return -1;
}

export interface JournalRecordAt { offset: number; payload: Buffer }
export type JournalTail =
  | { kind: 'clean' }
  /** Bytes from `at` to the end are an unfinished last append: safe to cut away. */
  | { kind: 'torn'; at: number; bytes: number; reason: string }
  /** A bad record at `at` with a valid one after it (at `nextAt`): not a crash, corruption. */
  | { kind: 'corrupt'; at: number; nextAt: number; reason: string };
export interface JournalScan { records: JournalRecordAt[]; /** end of the last valid record */ end: number; tail: JournalTail }

export function scanJournal(buf: Buffer): JournalScan {
  const records: JournalRecordAt[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const problem = recordProblem(buf, pos);
    if (problem === null) {
      const len = buf.readUInt32LE(pos);
      records.push({ offset: pos, payload: buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + len) });
      pos += HEADER_BYTES + len;
      continue;
    }
    const nextAt = nextValidRecord(buf, pos + 1);
    const tail: JournalTail = nextAt < 0
      ? { kind: 'torn', at: pos, bytes: buf.length - pos, reason: problem }
      : { kind: 'corrupt', at: pos, nextAt, reason: problem };
    return { records, end: pos, tail };
  }
  return { records, end: pos, tail: { kind: 'clean' } };
}

/**
 * Appends records to one journal file. Appends queued while a write is in flight are written and
 * synced together (group commit); each append's promise resolves once its bytes are fdatasynced.
 * Writes go at an explicit offset (the end of the last good record), so a failed write (disk full)
 * is overwritten by the next one instead of leaving garbage in the middle of the file.
 */
export class JournalWriter {
  private fh: FileHandle | null = null;
  private queue: { buf: Buffer; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | null = null;

  /** `size`: the journal's length after recovery (its good end). */
  constructor(readonly path: string, private size: number) {}

  get bytes(): number { return this.size; }

  append(records: unknown[]): Promise<void> {
    const buf = Buffer.concat(records.map(encodeRecord));
    const done = new Promise<void>((resolve, reject) => this.queue.push({ buf, resolve, reject }));
    this.kick();
    return done;
  }

  private kick(): void {
    this.flushing ??= this.flush().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0) this.kick(); // appended between the loop's end and this callback
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      const buf = batch.length === 1 ? batch[0].buf : Buffer.concat(batch.map((b) => b.buf));
      try {
        this.fh ??= await open(this.path, 'r+');
        for (let off = 0; off < buf.length;) {
          const { bytesWritten } = await this.fh.write(buf, off, buf.length - off, this.size + off);
          off += bytesWritten;
        }
        await this.fh.datasync();
        this.size += buf.length;
        for (const b of batch) b.resolve();
      } catch (e) {
        await this.fh?.truncate(this.size).catch(() => undefined);
        for (const b of batch) b.reject(e);
      }
    }
  }

  /** Resolves once every append queued so far is on disk (or failed). */
  async flushed(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    await this.flushed();
    await this.fh?.close();
    this.fh = null;
  }
}
