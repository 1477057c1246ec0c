/**
 * pusher:subscribe and pusher:unsubscribe for every channel kind, and leaving everything on close
 * (CH-04..CH-17, CH-21). Membership answers come from the adapter, so first/last transitions are
 * cluster-wide; fan-out goes through `adapter.broadcast`.
 */
import type { CachedEvent, PresenceSnapshot } from '../adapters/adapter.js';
import type { Connection } from '../connections/connection.js';
import { turnPacer } from '../connections/turn-pacer.js';
import type { NodeContext } from '../node-context.js';
import { channelKind, channelNameProblem, requiresAuth } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { encodeCacheMiss, encodeChannelEvent, encodeSubscriptionSucceeded } from '../protocol/messages.js';
import { subscribeServerToUser } from '../users/server-to-user.js';
import { authorize } from './authorize.js';
import { checkMemberLimits, presenceMember } from './presence.js';
import { MemberSnapshot } from './presence-snapshot.js';

/** Shared by every non-presence subscription: one object instead of one per subscription. */
const NO_MEMBER = Object.freeze({ userId: undefined });

export async function subscribe(
  ctx: NodeContext,
  conn: Connection,
  channel: string,
  auth: string | undefined,
  channelData: string | undefined,
): Promise<void> {
  const problem = channelNameProblem(channel, conn.app.limits.maxChannelNameLength);
  if (problem) throw new HeraldError('invalidChannel', problem, channel);
  if (ctx.registry.subscription(conn, channel)) {
    throw new HeraldError('alreadySubscribed', `Existing subscription to channel ${channel}`, channel);
  }
  const kind = channelKind(channel);
  if (kind.type === 'server-to-user') return subscribeServerToUser(ctx.registry, conn, channel);
  authorize(conn, channel, kind, auth, channelData, ctx.now());

  const appId = conn.app.id;
  const member =
    kind.type === 'presence'
      ? presenceMember(conn, channel, channelData, ctx.config.maxJsonDepth)
      : undefined;
  if (member) {
    checkMemberLimits(conn.app, channel, member);
    // A join costs O(members) (a snapshot, a member_added to each): a wave of them is spread over turns.
    const turn = turnPacer.admit();
    if (turn) await turn;
    // Only a full channel needs the member list, to let a user already in it open another connection.
    const max = conn.app.limits.maxPresenceMembers;
    const { userCount = 0 } = await ctx.adapter.channel(appId, channel);
    if (userCount >= max && !(await ctx.adapter.members(appId, channel)).has(member.userId)) {
      throw new HeraldError('presenceLimit', `Presence channel ${channel} is full (${max} members)`, channel);
    }
  }
  if (conn.closed) return;
  // Claim the slot before awaiting so a concurrent close can clean it up.
  ctx.registry.claim(conn, channel, member ? { userId: member.userId } : NO_MEMBER);
  // A history channel's subscription collects live events from here on, until its past is sent.
  const recovery = ctx.history.begin(conn, channel);

  let count: number;
  let memberAdded = false;
  let version = 0;
  let snapshot: PresenceSnapshot | MemberSnapshot | undefined;
  let cached: CachedEvent | null = null;
  try {
    count = await ctx.adapter.subscribe(appId, channel, conn.socketId);
    if (member) {
      const added = await ctx.adapter.addMember(appId, channel, conn.socketId, member);
      memberAdded = added.changed;
      version = added.version;
      // The check above reads the count before adding, so joins racing on other nodes (or between
      // awaits) all pass it; the adapter's add is atomic and numbers the users, so only a join that
      // made the room exceed the limit backs out (silently, through the undo below).
      const max = conn.app.limits.maxPresenceMembers;
      if (memberAdded && added.userCount > max) {
        throw new HeraldError(
          'presenceLimit',
          `Presence channel ${channel} is full (${max} members)`,
          channel,
        );
      }
      snapshot =
        ctx.adapter.encodedSnapshot?.(appId, channel) ?? (await ctx.adapter.snapshot(appId, channel));
    }
    if (kind.cache) cached = await ctx.adapter.getCache(appId, channel);
    // After the adapter joined the channel: whatever the read misses reaches the recovery live.
    await recovery?.prepare();
  } catch (err) {
    recovery?.abort();
    // A failed store call must not leave the slot claimed (every retry would read "Existing
    // subscription"); undo what landed. Nothing was announced yet, so the undo stays silent.
    ctx.registry.release(conn, channel);
    const [, removed] = await Promise.allSettled([
      ctx.adapter.unsubscribe(appId, channel, conn.socketId),
      member ? ctx.adapter.removeMember(appId, channel, conn.socketId, member.userId) : undefined,
    ]);
    // A member that was added may be in snapshots other joiners took meanwhile: tell them it left
    // (a frame only; no webhook, as none announced its arrival). pusher-js ignores unknown ids.
    if (member && memberAdded && removed.status === 'fulfilled' && removed.value?.changed) {
      ctx.adapter.broadcast({
        kind: 'member',
        appId,
        channel,
        change: 'removed',
        userId: member.userId,
        version: removed.value.version,
      });
    }
    throw err;
  }
  if (conn.closed || !ctx.registry.subscription(conn, channel)) {
    recovery?.abort();
    // The connection closed while we awaited and its cleanup may have run before our writes landed:
    // undo them (both calls are idempotent) so no membership outlives the socket.
    await ctx.adapter.unsubscribe(appId, channel, conn.socketId);
    const removed = member && (await ctx.adapter.removeMember(appId, channel, conn.socketId, member.userId));
    if (member && removed && removed.changed)
      ctx.announcer.memberRemoved(appId, channel, member.userId, removed.version);
    return;
  }

  // From here on everything is synchronous: no event can slip between success and the index.
  if (snapshot instanceof MemberSnapshot) {
    // The local list is the truth and current: a copy of its encoded frame, no version to reconcile.
    conn.send(snapshot.subscriptionSucceeded());
  } else if (snapshot) {
    const members = ctx.hub.presenceList(appId, channel, snapshot);
    conn.send(MemberSnapshot.of(channel, members).subscriptionSucceeded());
  } else {
    conn.sendText(encodeSubscriptionSucceeded(channel));
  }
  // With history the recovery sends the past first and joins the hub itself.
  if (recovery) recovery.finish();
  else ctx.hub.addSubscriber(conn, channel);
  if (requiresAuth(kind)) conn.authorized = true;

  if (kind.cache) {
    if (cached) {
      conn.sendText(encodeChannelEvent(cached.event, channel, cached.data));
    } else {
      conn.sendText(encodeCacheMiss(channel));
      ctx.events.emit({ type: 'cache_miss', appId, channel, occupied: count === 1 });
    }
  }
  if (member && memberAdded) ctx.announcer.memberAdded(appId, channel, member, version, conn.socketId);
  ctx.events.emit({
    type: 'subscribed',
    appId,
    socketId: conn.socketId,
    channel,
    ...(member ? { userId: member.userId } : {}),
  });
  if (count === 1) ctx.events.emit({ type: 'channel_occupied', appId, channel });
  ctx.subscriptionCounts.changed(conn.app, channel, count);
}

/** Leaves one channel; a no-op for channels the connection is not in (CH-16). */
export async function unsubscribe(ctx: NodeContext, conn: Connection, channel: string): Promise<void> {
  const sub = ctx.registry.release(conn, channel);
  if (!sub) return;
  // Never an adapter member (src/users/server-to-user.ts): nothing else to undo.
  if (channelKind(channel).type === 'server-to-user') return;
  ctx.hub.removeSubscriber(conn, channel);
  const appId = conn.app.id;
  const count = await ctx.adapter.unsubscribe(appId, channel, conn.socketId);
  if (sub.userId !== undefined) {
    const change = await ctx.adapter.removeMember(appId, channel, conn.socketId, sub.userId);
    if (change.changed) ctx.announcer.memberRemoved(appId, channel, sub.userId, change.version);
  }
  ctx.events.emit({ type: 'unsubscribed', appId, socketId: conn.socketId, channel });
  if (count === 0) ctx.events.emit({ type: 'channel_vacated', appId, channel });
  ctx.subscriptionCounts.changed(conn.app, channel, count);
}

/** Disconnect = unsubscribe from everything (CH-17). */
export async function leaveAll(ctx: NodeContext, conn: Connection): Promise<void> {
  // Before leaving: resume needs the last event each channel gave this connection.
  ctx.history.closed(conn);
  const channels = [...ctx.registry.subscriptionsOf(conn).keys()];
  await Promise.all(channels.map((c) => unsubscribe(ctx, conn, c)));
}
