/** GET /channels, /channels/{name}, /channels/{name}/users (API-11..API-13). */
import type { AppConfig } from '../config/config.js';
import type { NodeContext } from '../node-context.js';
import { channelKind, channelNameProblem } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { channelAttributes, parseInfo } from './info.js';
import type { QueryParams } from './query.js';

export async function listChannels(ctx: NodeContext, app: AppConfig, query: QueryParams): Promise<unknown> {
  const prefix = query.get('filter_by_prefix') ?? '';
  const info = parseInfo(query.get('info'));
  if (info.has('user_count') && !prefix.startsWith('presence-')) {
    throw new HeraldError('badRequest', 'info=user_count requires filter_by_prefix=presence-');
  }
  const all = await ctx.adapter.channels(app.id);
  // Null prototype: a channel may be called __proto__ (legal in the Pusher set) and must stay listed.
  const channels: Record<string, unknown> = Object.create(null);
  for (const [name, stats] of all) {
    if (stats.subscriptionCount === 0 || !name.startsWith(prefix)) continue;
    const attrs: Record<string, unknown> = {};
    if (info.has('user_count')) attrs['user_count'] = stats.userCount ?? 0;
    if (info.has('subscription_count')) attrs['subscription_count'] = stats.subscriptionCount;
    channels[name] = attrs;
  }
  return { channels };
}

function checkName(app: AppConfig, channel: string): void {
  const problem = channelNameProblem(channel, app.limits.maxChannelNameLength);
  if (problem) throw new HeraldError('badRequest', problem);
}

export async function getChannel(
  ctx: NodeContext,
  app: AppConfig,
  channel: string,
  query: QueryParams,
): Promise<unknown> {
  checkName(app, channel);
  const info = parseInfo(query.get('info'));
  const stats = await ctx.adapter.channel(app.id, channel);
  const out: Record<string, unknown> = {
    occupied: stats.subscriptionCount > 0,
    ...(await channelAttributes(ctx, app.id, channel, info, { strict: true })),
  };
  if (info.has('cache') && channelKind(channel).cache) {
    const cached = await ctx.adapter.getCache(app.id, channel);
    out['cache'] = cached ? { data: cached.data, ttl: cached.ttl } : null;
  }
  return out;
}

export async function getUsers(ctx: NodeContext, app: AppConfig, channel: string): Promise<unknown> {
  checkName(app, channel);
  if (channelKind(channel).type !== 'presence') {
    throw new HeraldError('badRequest', 'Users are only available for presence channels');
  }
  const members = await ctx.adapter.members(app.id, channel);
  return { users: [...members.keys()].map((id) => ({ id })) };
}
