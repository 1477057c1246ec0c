/**
 * pusher:signin (UA-01..UA-07) and its undoing on close. A signed-in socket is indexed twice: on this
 * node (the hub, for delivery) and in the adapter (cluster-wide, for first/last transitions).
 */
import { verifyAppAuth } from '../apps/secrets.js';
import type { Connection } from '../connections/connection.js';
import type { NodeContext } from '../node-context.js';
import { HeraldError } from '../protocol/errors.js';
import { encodeError, encodeSigninSuccess } from '../protocol/messages.js';
import { userStringToSign } from '../protocol/signatures.js';
import { parseUserData } from './user-data.js';
import { announce, sendCurrentStatus } from './watchlist.js';

export async function signin(
  ctx: NodeContext,
  conn: Connection,
  auth: string,
  userData: string,
): Promise<void> {
  const app = conn.app;
  if (!app.userAuthentication) throw new HeraldError('signinDisabled');
  // The exact string received is what the app signed: never re-serialize before verifying (UA-02).
  const stringToSign = userStringToSign(conn.socketId, userData);
  const check = verifyAppAuth(app, auth, stringToSign, ctx.now());
  if (!check.ok) {
    throw new HeraldError(
      'signinFailed',
      check.reason === 'key'
        ? `Invalid key in sign-in auth data: '${auth.split(':')[0]}'`
        : `Invalid signature: Expected HMAC SHA256 hex digest of ${stringToSign}, but got ${auth.slice(auth.indexOf(':') + 1)}`,
    );
  }
  const { user, truncated } = parseUserData(userData, app.limits.maxWatchlistSize, ctx.config.maxJsonDepth);
  if (conn.user) {
    if (conn.user.id !== user.id) {
      throw new HeraldError('signinOtherUser', `Connection is already signed in as user ${conn.user.id}`);
    }
    // Same user again: success, but the first sign-in's user_info and watchlist stay in force.
    conn.sendText(encodeSigninSuccess(userData));
    return;
  }
  conn.user = user;
  conn.authorized = true;
  ctx.hub.addUser(conn, user.id, user.watchlist);
  conn.sendText(encodeSigninSuccess(userData));
  // Subscriptions made before the sign-in (pusher-js resubscribes first) resume now.
  ctx.history.signedIn(conn);
  if (truncated) {
    conn.sendText(
      encodeError(
        4302,
        `Watchlist limit exceeded. Only the first ${app.limits.maxWatchlistSize} user IDs are accepted.`,
      ),
    );
  }
  ctx.events.emit({ type: 'signed_in', appId: app.id, socketId: conn.socketId, userId: user.id });

  const first = await ctx.adapter.addUserSocket(app.id, user.id, conn.socketId);
  // Before the close check: a close meanwhile makes signout's `last` emit user_offline, which pairs with it.
  if (first) ctx.events.emit({ type: 'user_online', appId: app.id, userId: user.id });
  // A close during the await has already run signout, whose `last` saw this socket: announcing
  // online now would leave watchers believing a gone user is online.
  if (conn.closed) return;
  if (first && app.watchlistEvents) announce(ctx, app.id, user.id, true);
  await sendCurrentStatus(ctx, conn);
}

/** On close (CH-17): forget the signed-in socket; the user's last socket going away means offline. */
export async function signout(ctx: NodeContext, conn: Connection): Promise<void> {
  const user = conn.user;
  if (!user) return;
  ctx.hub.removeUser(conn, user.id, user.watchlist);
  const last = await ctx.adapter.removeUserSocket(conn.app.id, user.id, conn.socketId);
  if (last) ctx.events.emit({ type: 'user_offline', appId: conn.app.id, userId: user.id });
  if (last && conn.app.watchlistEvents) announce(ctx, conn.app.id, user.id, false);
}
