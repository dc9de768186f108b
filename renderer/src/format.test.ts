import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatMs, formatRate } from './format.js';

describe('format', () => {
  it('shows sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(14.5 * 1024 * 1024)).toBe('14.5 MiB');
    expect(formatBytes(null)).toBe('–');
  });
  it('shows durations, rates and counts', () => {
    expect(formatMs(0.25)).toBe('0.25 ms');
    expect(formatMs(42.4)).toBe('42.4 ms');
    expect(formatMs(420.4)).toBe('420 ms');
    expect(formatMs(2500)).toBe('2.50 s');
    expect(formatRate(123.4)).toBe('123 tok/s');
    expect(formatRate(null)).toBe('–');
    expect(formatCount(14_200_000)).toBe('14.2M');
    expect(formatCount(1_236_000_000)).toBe('1.24B');
  });
});
