/**
 * Terminating a user's connections (UA-10, API-14): every socket signed in as the user, on every node,
 * gets `pusher:error` 4009 and close 4009 (the hub does the closing when the envelope arrives).
 * Presence-only identities are not signed in and stay connected.
 */
import type { NodeContext } from '../node-context.js';
import { isValidUserId } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';

export function terminateUser(ctx: NodeContext, appId: string, userId: string): Record<string, never> {
  if (!isValidUserId(userId)) throw new HeraldError('badRequest', `Invalid user id: ${userId}`);
  ctx.adapter.broadcast({ kind: 'terminate', appId, userId });
  return {};
}
