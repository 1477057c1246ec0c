/** A scenario's result file: every run's raw figures, their medians and ranges, and the ratios. */
import type { MachineFacts } from '../lib/machine.js';
import { ratioSpread, type Spread, spread } from '../lib/stats.js';
import type { BenchOptions, Metrics, Scenario } from '../scenarios/types.js';

/** Denominators of the ratios: the two baselines, and one worker when worker counts are compared. */
export const BASELINES = ['naive', 'coalesced', 'herald-w1'] as const;

/** What `server` is divided by: the baselines, and plain Herald for Herald with a console open. */
function denominators(server: string): readonly string[] {
  if ((BASELINES as readonly string[]).includes(server)) return [];
  return server === 'herald-console' ? [...BASELINES, 'herald'] : BASELINES;
}

export interface RunRecord {
  run: number;
  server: string;
  metrics: Metrics;
  error?: string;
}

export interface RatioRecord {
  server: string;
  baseline: string;
  metric: string;
  spread: Spread | null;
}

export interface BenchResult {
  scenario: string;
  label: string;
  summaryLine: string;
  machine: MachineFacts;
  options: BenchOptions & { servers: string[]; workers: number; target: string | null };
  metrics: Scenario['metrics'];
  runs: RunRecord[];
  summary: Record<string, Record<string, Spread | null>>;
  ratios: RatioRecord[];
}

export function summarizeRuns(
  scenario: Scenario,
  servers: readonly string[],
  runs: readonly RunRecord[],
): Pick<BenchResult, 'summary' | 'ratios'> {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.metrics)) keys.add(k);
  const series = (server: string, key: string) => {
    const n = Math.max(0, ...runs.map((r) => r.run)) + 1;
    return Array.from(
      { length: n },
      (_, i) => runs.find((r) => r.server === server && r.run === i)?.metrics[key],
    );
  };
  const summary: BenchResult['summary'] = {};
  for (const s of servers) {
    summary[s] = {};
    for (const k of keys) summary[s]![k] = spread(series(s, k));
  }
  const ratios: RatioRecord[] = [];
  for (const s of servers) {
    for (const b of denominators(s)) {
      if (!servers.includes(b)) continue;
      for (const m of scenario.metrics) {
        if (!m.ratio) continue;
        ratios.push({
          server: s,
          baseline: b,
          metric: m.key,
          spread: ratioSpread(series(s, m.key), series(b, m.key)),
        });
      }
    }
  }
  return { summary, ratios };
}
