/** `info` attributes of channels (API-09, API-11, API-12). */
import type { NodeContext } from '../node-context.js';
import { channelKind } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';

export function parseInfo(raw: unknown): Set<string> {
  if (raw === undefined || raw === null || raw === '') return new Set();
  if (typeof raw !== 'string') throw new HeraldError('badRequest', 'info must be a comma-separated string');
  return new Set(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/**
 * The requested attributes of one channel. `strict` (GET channel) refuses user_count on a non-presence
 * channel with 400; triggers just leave it out (API-09).
 */
export async function channelAttributes(
  ctx: NodeContext,
  appId: string,
  channel: string,
  info: Set<string>,
  opts: { strict: boolean },
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (info.size === 0) return out;
  const kind = channelKind(channel);
  const isPresence = kind.type === 'presence';
  if (info.has('user_count') && !isPresence && opts.strict) {
    throw new HeraldError('badRequest', 'user_count is only available for presence channels');
  }
  const stats = await ctx.adapter.channel(appId, channel);
  if (info.has('user_count') && isPresence) out['user_count'] = stats.userCount ?? 0;
  if (info.has('subscription_count')) out['subscription_count'] = stats.subscriptionCount;
  return out;
}
