/**
 * The Channels page's reads: channels with counts (cluster-wide, from the adapter the HTTP API reads
 * too), a presence channel's members, and a user's connections and channels (this node's sockets,
 * plus every other node's answer in a cluster).
 */
import type { Hub } from '../connections/hub.js';
import type { NodeContext } from '../node-context.js';
import { channelKind } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { sendJson } from './http.js';
import type { ConsolePeers } from './peers.js';
import type { ConsoleRoute } from './server.js';
import type { WatchState } from './watch-state.js';
import type { UserConnection } from './web/wire.js';

/** Rows one list answer carries at most: the page narrows by prefix instead of scrolling 10,000. */
const MAX_ROWS = 500;
const MAX_MEMBERS = 1000;
const PEER_DEADLINE_MS = 700;

/** This node's sockets of a user: signed in as them, or a member of a presence channel as them. */
export function localUserConnections(
  hub: Hub,
  node: string,
  appId: string,
  userId: string,
): UserConnection[] {
  const out: UserConnection[] = [];
  for (const conn of hub.allConnections()) {
    if (conn.app.id !== appId) continue;
    const signedIn = conn.user?.id === userId;
    let member = false;
    const subs = hub.registry.subscriptionsOf(conn);
    for (const sub of subs.values()) {
      if (sub.userId === userId) {
        member = true;
        break;
      }
    }
    if (!signedIn && !member) continue;
    out.push({
      node,
      socket: conn.socketId,
      ip: conn.ip,
      openedAt: conn.openedAt,
      signedIn,
      channels: [...subs.keys()],
    });
  }
  return out;
}

function required(url: URL, name: string): string {
  const v = url.searchParams.get(name);
  if (!v) throw new HeraldError('badRequest', `Missing query parameter ${name}`);
  return v;
}

export function channelRoutes(
  ctx: NodeContext,
  appIds: () => readonly string[],
  state: WatchState,
  peers: ConsolePeers | null,
): ConsoleRoute[] {
  const list: ConsoleRoute = async (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/api/channels') return false;
    const appId = required(url, 'app');
    const prefix = url.searchParams.get('prefix') ?? '';
    const all = await ctx.adapter.channels(appId);
    const names: string[] = [];
    let total = 0;
    for (const [name, stats] of all) {
      if (stats.subscriptionCount === 0) continue;
      total++;
      if (name.startsWith(prefix)) names.push(name);
    }
    names.sort();
    const rows = names.slice(0, MAX_ROWS).map((name) => {
      const stats = all.get(name)!;
      const since = state.occupiedSince(appId, name);
      return {
        name,
        type: channelKind(name).type,
        subscriptions: stats.subscriptionCount,
        ...(stats.userCount !== undefined ? { users: stats.userCount } : {}),
        ...(since !== undefined ? { occupiedSince: since } : {}),
      };
    });
    sendJson(res, 200, { total, matched: names.length, rows, watchingSince: state.since });
    return true;
  };

  const one: ConsoleRoute = async (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/api/channel') return false;
    const appId = required(url, 'app');
    const name = required(url, 'channel');
    const stats = await ctx.adapter.channel(appId, name);
    const type = channelKind(name).type;
    let members: { id: string; info: unknown }[] | undefined;
    let memberCount: number | undefined;
    if (type === 'presence') {
      const all = await ctx.adapter.members(appId, name);
      memberCount = all.size;
      members = [...all].slice(0, MAX_MEMBERS).map(([id, info]) => ({ id, info }));
    }
    sendJson(res, 200, {
      name,
      type,
      subscriptions: stats.subscriptionCount,
      ...(members ? { members, memberCount } : {}),
    });
    return true;
  };

  const user: ConsoleRoute = async (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/api/user') return false;
    const appId = required(url, 'app');
    const userId = required(url, 'user');
    const here = localUserConnections(ctx.hub, ctx.adapter.nodeId, appId, userId);
    const there = peers ? await peers.gather({ q: 'user', app: appId, user: userId }, PEER_DEADLINE_MS) : [];
    const connections = [
      ...here,
      ...there.flatMap((a) => (Array.isArray(a.data) ? (a.data as UserConnection[]) : [])),
    ];
    sendJson(res, 200, { user: userId, connections });
    return true;
  };

  /** Cluster-wide channels and presence members per app, for the Overview's figures. */
  const totals: ConsoleRoute = async (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/api/totals') return false;
    const apps: Record<string, { channels: number; members: number }> = Object.create(null);
    for (const appId of appIds()) {
      let channels = 0;
      let members = 0;
      for (const stats of (await ctx.adapter.channels(appId)).values()) {
        if (stats.subscriptionCount === 0) continue;
        channels++;
        members += stats.userCount ?? 0;
      }
      apps[appId] = { channels, members };
    }
    sendJson(res, 200, { apps });
    return true;
  };

  return [list, one, user, totals];
}
