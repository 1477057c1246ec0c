/**
 * `#server-to-user-{id}` (CH-18, UA-09). Only the socket signed in as that id may subscribe. Delivery
 * does not depend on that subscription: an API trigger to the channel becomes a `user` envelope that
 * reaches every socket signed in as the user, through the user index (as sockudo does, so an event
 * sent right after sign-in is not lost while pusher-js's subscribe is still in flight).
 * The channel is therefore never a member of the adapter: it is not listed by GET /channels and
 * fires no occupied/vacated webhooks.
 */
import type { ChannelRegistry } from '../channels/registry.js';
import type { Connection } from '../connections/connection.js';
import type { NodeContext } from '../node-context.js';
import { serverToUserId } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { encodeSubscriptionSucceeded } from '../protocol/messages.js';

/** Handles pusher:subscribe to a `#server-to-user-` channel whose name is already validated. */
export function subscribeServerToUser(registry: ChannelRegistry, conn: Connection, channel: string): void {
  const owner = serverToUserId(channel);
  if (!conn.user || conn.user.id !== owner) {
    throw new HeraldError(
      'serverToUserForbidden',
      conn.user
        ? `Connection is signed in as ${conn.user.id}: only user ${owner} may subscribe to ${channel}`
        : `Sign in as user ${owner} before subscribing to ${channel}`,
      channel,
    );
  }
  registry.claim(conn, channel, { userId: undefined });
  conn.sendText(encodeSubscriptionSucceeded(channel));
}

/** sendToUser: an event for every socket signed in as `userId`, on every node, minus `except`. */
export function sendToUser(
  ctx: NodeContext,
  appId: string,
  userId: string,
  frame: string,
  except: string | undefined,
): void {
  ctx.adapter.broadcast({ kind: 'user', appId, userId, frame, ...(except ? { except } : {}) });
}
