/**
 * GET /apps/{id}/channels/{name}/history?after=<serial>&limit=<n>: a channel's kept events after a
 * serial, oldest first, for backends that backfill (after a herald:resume_failed, for instance).
 */
import type { AppConfig } from '../config/config.js';
import type { NodeContext } from '../node-context.js';
import { channelNameProblem } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import type { QueryParams } from './query.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

function intParam(query: QueryParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new HeraldError('badRequest', `${name} must be an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

export async function getHistory(
  ctx: NodeContext,
  app: AppConfig,
  channel: string,
  query: QueryParams,
): Promise<unknown> {
  const problem = channelNameProblem(channel, app.limits.maxChannelNameLength);
  if (problem) throw new HeraldError('badRequest', problem);
  if (!ctx.history.rules.match(app, channel)) {
    throw new HeraldError('notFound', `Channel ${channel} keeps no history: no history rule matches it`);
  }
  const after = intParam(query, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(query, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT);
  const page = await ctx.history.store.after(app.id, channel, after, limit);
  const events = page.entries.map((e) => {
    const frame = JSON.parse(e.frame) as { event: string; data: unknown; user_id?: string };
    return {
      serial: e.serial,
      timestamp: e.at,
      event: frame.event,
      data: frame.data,
      ...(frame.user_id === undefined ? {} : { user_id: frame.user_id }),
    };
  });
  // first_serial > after + 1 tells the caller that events it asked for are no longer kept.
  return { events, first_serial: page.first, last_serial: page.last };
}
