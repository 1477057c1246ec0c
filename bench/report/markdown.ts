/** The Markdown summary of one result: a table per server, then the ratios to the baselines. */
import { describeMachine } from '../lib/machine.js';
import { fmtRatio, fmtSpread } from '../lib/stats.js';
import type { BenchResult } from './result.js';

const OPTION_LABELS: Record<string, string> = {
  subscribers: 'subscribers',
  channels: 'channels',
  perChannel: 'subscribers/channel',
  members: 'members',
  churners: 'churners',
  rooms: 'rooms',
  roomSize: 'members/room',
  tokens: 'tokens/room',
  connections: 'connections',
  concurrency: 'HTTP concurrency',
  rate: 'rate (events/s)',
  window: 'window (events)',
  payload: 'payload bytes',
};

export function markdown(r: BenchResult, uses: readonly string[], chart?: string): string {
  const o = r.options as unknown as Record<string, unknown>;
  const params = uses.map((k) => `${OPTION_LABELS[k] ?? k} ${o[k] === null ? 'max' : String(o[k])}`);
  const lines = [
    `### ${r.scenario}${r.label ? ` (${r.label})` : ''}`,
    '',
    `${r.summaryLine}. ${params.join(', ')}; ${r.options.runs} runs × ${r.options.duration}s (+${r.options.warmup}s warm-up), ${r.options.clients} receiver process(es) + 1 publisher${r.options.workers > 1 ? `, Herald --workers ${r.options.workers}` : ''}.`,
    `Machine: ${describeMachine(r.machine)}; ${r.machine.date.slice(0, 16).replace('T', ' ')} UTC.`,
    '',
  ];
  if (chart) lines.push(`![${r.scenario}](${chart})`, '');
  lines.push(`| server | ${r.metrics.map((m) => m.label + (m.unit === 'ms' ? ' (ms)' : '')).join(' | ')} |`);
  lines.push(`| --- | ${r.metrics.map(() => '---:').join(' | ')} |`);
  for (const s of r.options.servers) {
    const row = r.metrics.map((m) => fmtSpread(r.summary[s]?.[m.key] ?? null, m.unit));
    lines.push(`| ${s} | ${row.join(' | ')} |`);
  }
  if (r.ratios.length > 0) {
    lines.push('', '| ratio | median (range over runs) |', '| --- | ---: |');
    for (const x of r.ratios) {
      const label = r.metrics.find((m) => m.key === x.metric)?.label ?? x.metric;
      lines.push(`| ${x.server} / ${x.baseline}, ${label} | ${fmtRatio(x.spread)} |`);
    }
  }
  const failed = r.runs.filter((x) => x.error);
  if (failed.length > 0) {
    lines.push('', 'Failed runs:', ...failed.map((x) => `- run ${x.run + 1} ${x.server}: ${x.error}`));
  }
  return `${lines.join('\n')}\n`;
}
