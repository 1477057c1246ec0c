/** `user_data` of pusher:signin (UA-03, UA-07): the one place its shape is checked. */
import type { SignedInUser } from '../connections/connection.js';
import { isValidUserId } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { parseJson } from '../protocol/json-depth.js';

export interface ParsedUserData {
  readonly user: SignedInUser;
  /** True when the watchlist was cut to the limit (error 4302 follows the success). */
  readonly truncated: boolean;
}

/** Parses the exact `user_data` string the signature covered; throws `signinFailed` on any problem. */
export function parseUserData(userData: string, maxWatchlist: number, maxDepth: number): ParsedUserData {
  const result = parseJson(userData, maxDepth);
  if (!result.ok) {
    throw new HeraldError(
      'signinFailed',
      result.reason === 'depth'
        ? `Invalid user_data: nested deeper than ${maxDepth} levels`
        : 'Invalid user_data: not JSON',
    );
  }
  const parsed = result.value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HeraldError('signinFailed', 'Invalid user_data: expected an object');
  }
  const data = parsed as Record<string, unknown>;
  const id = data['id'];
  // pusher-js drops a sign-in whose id is not a non-empty string, so accepting one would strand the client.
  if (typeof id !== 'string' || id.length === 0) {
    throw new HeraldError('signinFailed', 'Invalid user_data: id must be a non-empty string');
  }
  if (!isValidUserId(id)) {
    throw new HeraldError(
      'signinFailed',
      'Invalid user_data: id may only contain A-Z a-z 0-9 _ - = @ , . ; (at most 128 characters)',
    );
  }
  const rawList = data['watchlist'];
  let watchlist: string[] = [];
  if (rawList !== undefined && rawList !== null) {
    if (!Array.isArray(rawList) || !rawList.every((x) => typeof x === 'string' && x.length > 0)) {
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
