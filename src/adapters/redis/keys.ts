/**
 * Every Redis key and pub/sub channel name of the Redis adapter. Keys that one script touches share a
 * hash tag (`{…}`) so they live in one Redis Cluster slot; different channels hash to different slots
 * so a cluster spreads both state and sharded pub/sub traffic across shards.
 *
 * Channel names and user ids cannot contain `:` or `\n` (protocol/channel-names.ts), so the separators
 * below never collide with a name.
 */

export interface ChannelKeys {
  /** hash: socket id → node id */
  subs: string;
  /** hash: socket id → user id (presence) */
  presenceSockets: string;
  /** hash: user id → sockets of that user in the channel */
  presenceCounts: string;
  /** hash: user id → user_info JSON */
  members: string;
  /** string with TTL: JSON {event, data} of a cache channel */
  cache: string;
  /** string: the presence membership version (version.lua) */
  version: string;
  /** pub/sub topic carrying the channel's broadcasts */
  topic: string;
}

export class RedisKeys {
  readonly nodes: string;
  readonly reaping: string;
  /** hash: the cluster's clock (last beat of any node, claim grace) and the data set's epoch */
  readonly clock: string;
  /** pub/sub topic every node listens to: watchlist changes. */
  readonly control: string;

  constructor(readonly prefix: string) {
    this.nodes = `${prefix}:{nodes}:alive`;
    this.reaping = `${prefix}:{nodes}:reaping`;
    this.clock = `${prefix}:{nodes}:clock`;
    this.control = `${prefix}:control`;
  }

  channel(appId: string, channel: string): ChannelKeys {
    const base = `${this.prefix}:{${appId}:${channel}}`;
    return {
      subs: `${base}:s`,
      presenceSockets: `${base}:ps`,
      presenceCounts: `${base}:pc`,
      members: `${base}:p`,
      cache: `${base}:c`,
      version: `${base}:v`,
      topic: `${base}:m`,
    };
  }

  /** set: names of the app's channels that may have subscribers (checked on read). */
  appChannels(appId: string): string {
    return `${this.prefix}:{${appId}}:channels`;
  }

  /** hash: socket id → node id of a signed-in user. */
  user(appId: string, userId: string): string {
    return `${this.prefix}:{${appId}::u:${userId}}:s`;
  }

  /** pub/sub topic for messages to a user (server-to-user, terminate). */
  userTopic(appId: string, userId: string): string {
    return `${this.prefix}:{${appId}::u:${userId}}:m`;
  }

  /** set: `appId\nchannel` entries a node holds subscriptions in, so a reaper knows where to look. */
  nodeChannels(nodeId: string): string {
    return `${this.prefix}:{node:${nodeId}}:channels`;
  }

  /** set: `appId\nuserId` entries a node holds signed-in sockets for. */
  nodeUsers(nodeId: string): string {
    return `${this.prefix}:{node:${nodeId}}:users`;
  }
}

export function pairKey(a: string, b: string): string {
  return `${a}\n${b}`;
}

export function splitPair(key: string): [string, string] {
  const i = key.indexOf('\n');
  return [key.slice(0, i), key.slice(i + 1)];
}
