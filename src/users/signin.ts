/** pusher:signin (UA-01..UA-08): verify, index the user, answer, and start watchlist events. */
import type { Connection, SignedInUser } from '../connections/connection.js';
import type { NodeContext } from '../node-context.js';
import { isValidUserId } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { encodeError, encodeSigninSuccess, encodeWatchlistEvents } from '../protocol/messages.js';
import { userStringToSign, verifyAuth } from '../protocol/signatures.js';

function parseUserData(userData: string, maxWatchlist: number): { user: SignedInUser; truncated: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(userData);
  } catch {
    throw new HeraldError('signinFailed', 'Invalid user_data: not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HeraldError('signinFailed', 'Invalid user_data: expected an object');
  }
  const data = parsed as Record<string, unknown>;
  const id = data['id'];
  if (typeof id !== 'string' || id.length === 0) {
    throw new HeraldError('signinFailed', 'Invalid user_data: id must be a non-empty string');
  }
  if (!isValidUserId(id)) {
    throw new HeraldError('signinFailed', 'Invalid user_data: id may only contain A-Z a-z 0-9 _ - = @ , . ;');
  }
  const rawList = data['watchlist'];
  let watchlist: string[] = [];
  if (rawList !== undefined) {
    if (!Array.isArray(rawList) || !rawList.every((x) => typeof x === 'string')) {
      throw new HeraldError(
        'signinFailed',
        'Invalid user_data: watchlist must be an array of user id strings',
      );
    }
    watchlist = [...new Set(rawList as string[])];
  }
  const truncated = watchlist.length > maxWatchlist;
  if (truncated) watchlist = watchlist.slice(0, maxWatchlist);
  return { user: { id, info: data['user_info'], watchlist }, truncated };
}

export async function signin(
  ctx: NodeContext,
  conn: Connection,
  auth: string,
  userData: string,
): Promise<void> {
  const app = conn.app;
  if (!app.userAuthentication) throw new HeraldError('signinDisabled');
  const check = verifyAuth(auth, app.key, app.secret, userStringToSign(conn.socketId, userData));
  if (!check.ok) {
    throw new HeraldError(
      'signinFailed',
      check.reason === 'key'
        ? `Invalid key in sign-in auth data: '${auth.split(':')[0]}'`
        : `Invalid signature: Expected HMAC SHA256 hex digest of ${userStringToSign(conn.socketId, userData)}`,
    );
  }
  const { user, truncated } = parseUserData(userData, app.limits.maxWatchlistSize);
  if (conn.user) {
    if (conn.user.id !== user.id) {
      throw new HeraldError('signinOtherUser', `Connection is already signed in as user ${conn.user.id}`);
    }
    // Same user again: answer success; the index already holds this socket.
    conn.sendText(encodeSigninSuccess(userData));
    return;
  }
  conn.user = user;
  conn.authorized = true;
  ctx.hub.addUser(conn, user.id, user.watchlist);
  conn.sendText(encodeSigninSuccess(userData));
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
  if (conn.closed) return;
  if (first) ctx.adapter.broadcast({ kind: 'watchlist', appId: app.id, userId: user.id, online: true });
  if (app.watchlistEvents && user.watchlist.length > 0) {
    const online = new Set(await ctx.adapter.onlineUsers(app.id, user.watchlist));
    if (conn.closed) return;
    const on = user.watchlist.filter((id) => online.has(id));
    const off = user.watchlist.filter((id) => !online.has(id));
    const events = [];
    if (on.length > 0) events.push({ name: 'online' as const, user_ids: on });
    if (off.length > 0) events.push({ name: 'offline' as const, user_ids: off });
    conn.sendText(encodeWatchlistEvents(events));
  }
}

/** On close: forget the signed-in socket; the user's last socket going away means offline. */
export async function signout(ctx: NodeContext, conn: Connection): Promise<void> {
  const user = conn.user;
  if (!user) return;
  ctx.hub.removeUser(conn, user.id, user.watchlist);
  const last = await ctx.adapter.removeUserSocket(conn.app.id, user.id, conn.socketId);
  if (last) ctx.adapter.broadcast({ kind: 'watchlist', appId: conn.app.id, userId: user.id, online: false });
}
