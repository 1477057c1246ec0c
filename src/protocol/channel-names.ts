/** Channel names: classification by prefix (CH-03) and validation (CH-01, CH-02, CH-18). */

export type ChannelType = 'public' | 'private' | 'encrypted' | 'presence' | 'server-to-user';

export interface ChannelKind {
  readonly type: ChannelType;
  /** One of the four cache prefixes (CH-21): the last API event is replayed to new subscribers. */
  readonly cache: boolean;
}

export const SERVER_TO_USER_PREFIX = '#server-to-user-';

const NAME_CHARS = /^[A-Za-z0-9_\-=@,.;]+$/;

const KINDS = {
  serverToUser: { type: 'server-to-user', cache: false },
  encryptedCache: { type: 'encrypted', cache: true },
  encrypted: { type: 'encrypted', cache: false },
  privateCache: { type: 'private', cache: true },
  private: { type: 'private', cache: false },
  presenceCache: { type: 'presence', cache: true },
  presence: { type: 'presence', cache: false },
  publicCache: { type: 'public', cache: true },
  public: { type: 'public', cache: false },
} as const satisfies Record<string, ChannelKind>;

/** Classifies a name by prefix, in the order pusher-js uses. Does not validate. */
export function channelKind(name: string): ChannelKind {
  if (name.startsWith(SERVER_TO_USER_PREFIX)) return KINDS.serverToUser;
  if (name.startsWith('private-encrypted-')) {
    return name.startsWith('private-encrypted-cache-') ? KINDS.encryptedCache : KINDS.encrypted;
  }
  if (name.startsWith('private-'))
    return name.startsWith('private-cache-') ? KINDS.privateCache : KINDS.private;
  if (name.startsWith('presence-'))
    return name.startsWith('presence-cache-') ? KINDS.presenceCache : KINDS.presence;
  if (name.startsWith('cache-')) return KINDS.publicCache;
  return KINDS.public;
}

/** True when the channel needs a signed `auth` to subscribe. */
export function requiresAuth(kind: ChannelKind): boolean {
  return kind.type === 'private' || kind.type === 'encrypted' || kind.type === 'presence';
}

/** True for ids usable as user ids: the channel-name character set (UA-03), bounded length. */
export function isValidUserId(id: string, maxLength = 128): boolean {
  return id.length > 0 && id.length <= maxLength && NAME_CHARS.test(id);
}

/**
 * Validates a channel name: Pusher's character set and a length cap, with `#` allowed only in the
 * `#server-to-user-{id}` form. Returns a reason string when invalid, or null.
 */
export function channelNameProblem(name: unknown, maxLength: number): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'Channel name is missing';
  if (name.length > maxLength)
    return `Channel name too long (max ${maxLength} characters): ${name.slice(0, 40)}...`;
  if (name.startsWith(SERVER_TO_USER_PREFIX)) {
    const userId = name.slice(SERVER_TO_USER_PREFIX.length);
    return isValidUserId(userId, maxLength) ? null : `Invalid channel name: ${name}`;
  }
  return NAME_CHARS.test(name) ? null : `Invalid channel name: ${name}`;
}

/** The user id of a `#server-to-user-{id}` channel, or null for other channels. */
export function serverToUserId(name: string): string | null {
  return name.startsWith(SERVER_TO_USER_PREFIX) ? name.slice(SERVER_TO_USER_PREFIX.length) : null;
}
