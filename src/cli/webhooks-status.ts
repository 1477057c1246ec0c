/**
 * `herald webhooks status`: every configured target with its last attempt's outcome, as recorded by the
 * nodes in the shared (Redis) queue. Targets no node has tried yet say so.
 */
import type { HeraldConfig } from '../config/config.js';
import { redactUrl } from '../logging/redact-url.js';
import { targetKeys } from '../webhooks/payload.js';
import type { TargetOutcome } from '../webhooks/target-health.js';

export interface TargetStatus {
  appId: string;
  url: string;
  /** null: no attempt recorded yet. */
  last: TargetOutcome | null;
}

export function targetStatuses(config: HeraldConfig, outcomes: readonly TargetOutcome[]): TargetStatus[] {
  const byKey = new Map(outcomes.map((o) => [o.target, o]));
  return config.apps.flatMap((app) => {
    const keys = targetKeys(app.id, app.webhooks);
    return app.webhooks.map((t, i) => ({
      appId: app.id,
      url: redactUrl(t.url),
      last: byKey.get(keys[i]!) ?? null,
    }));
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

function outcomeText(o: TargetOutcome | null): string[] {
  if (!o) return ['never tried', '', ''];
  if (o.ok) return [`ok (HTTP ${o.status ?? '2xx'})`, iso(o.at), ''];
  const why = o.status !== undefined ? `HTTP ${o.status}` : (o.error ?? 'error');
  const since = o.failingSince !== undefined ? `failing since ${iso(o.failingSince)}` : '';
  const next = o.nextTryAt !== undefined ? `next try ${iso(o.nextTryAt)}` : 'dead-lettered';
  return [`FAILING: ${why}`, iso(o.at), [since, next].filter(Boolean).join('; ')];
}

/** Aligned columns; the last column is left ragged. */
export function columns(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export function statusTable(statuses: readonly TargetStatus[]): string {
  if (statuses.length === 0) return 'No webhook targets are configured.';
  return columns(
    ['app', 'url', 'last outcome', 'at', 'details'],
    statuses.map((s) => [s.appId, s.url, ...outcomeText(s.last)]),
  );
}
