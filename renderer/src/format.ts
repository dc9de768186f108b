// format.ts — how figures are shown (sizes in binary units, durations, rates, counts).

export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(Math.abs(n) < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatRate(perS: number | null | undefined, unit = 'tok/s'): string {
  if (perS == null || !Number.isFinite(perS)) return '–';
  return `${perS < 10 ? perS.toFixed(1) : Math.round(perS)} ${unit}`;
}

/** 14.2M, 1.24B: parameter counts and the like. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  for (const [d, s] of [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (Math.abs(n) >= d) return `${(n / d).toFixed(n / d < 10 ? 2 : 1)}${s}`;
  }
  return String(n);
}
