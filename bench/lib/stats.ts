/** Medians and ranges over repeated runs, and ratios between servers measured in the same run. */

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: readonly (number | null | undefined)[]): Spread | null {
  const v = values
    .filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
    .sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]!, n: v.length };
}

/** Per-run ratios a[i] / b[i] (same run index, so the same machine load), then their spread. */
export function ratioSpread(
  a: readonly (number | null | undefined)[],
  b: readonly (number | null | undefined)[],
): Spread | null {
  const r: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'number' && typeof y === 'number' && y > 0) r.push(x / y);
  }
  return spread(r);
}

export function fmt(n: number | null | undefined, unit = ''): string {
  if (n === null || n === undefined) return '–';
  if (unit === 'B') return n >= 10_000 ? `${(n / 1024).toFixed(1)} KiB` : `${Math.round(n)} B`;
  if (unit === '%') return Math.round(n).toString();
  if (unit === 'µs') return n.toFixed(n < 1 ? 3 : 2);
  if (unit === 'ms') return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toString();
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

export function fmtSpread(s: Spread | null, unit = ''): string {
  if (!s) return '–';
  if (s.n === 1) return fmt(s.median, unit);
  return `${fmt(s.median, unit)} (${fmt(s.min, unit)}–${fmt(s.max, unit)})`;
}

export function fmtRatio(s: Spread | null): string {
  if (!s) return '–';
  return s.n === 1
    ? `${s.median.toFixed(2)}×`
    : `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}
