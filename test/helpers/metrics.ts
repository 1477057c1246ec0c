/** Scrapes a Prometheus endpoint and reads series from the text exposition format (prom-client's output). */
import assert from 'node:assert/strict';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!;
    }
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** Sum of the series of `name` whose labels include `labels` (0 when none: never incremented). */
  sum(name: string, labels: Record<string, string> = {}): number {
    const want = Object.entries(labels);
    return this.samples
      .filter((s) => s.name === name && want.every(([k, v]) => s.labels[k] === v))
      .reduce((n, s) => n + s.value, 0);
  }

  /** Value of the series with exactly these labels, 0 when absent (a counter never incremented). */
  get(name: string, labels: Record<string, string> = {}): number {
    const want = Object.entries(labels);
    const hit = this.samples.find(
      (s) =>
        s.name === name &&
        Object.keys(s.labels).length === want.length &&
        want.every(([k, v]) => s.labels[k] === v),
    );
    return hit?.value ?? 0;
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }

  /** `this.sum(...) - earlier.sum(...)`. */
  delta(earlier: Scrape, name: string, labels: Record<string, string> = {}): number {
    return this.sum(name, labels) - earlier.sum(name, labels);
  }
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return new Scrape(parseExposition(text));
}
