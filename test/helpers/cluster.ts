/**
 * Several Herald processes sharing one Redis under a unique key prefix, and the clients the cluster
 * tests drive them with: the official pusher-js (auth signed by the official pusher SDK) and a raw
 * `ws` client for exact frames and close codes.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type PusherServer from 'pusher';
import { type HeraldProcess, killTree, spawnHerald, within } from './process.js';
import { PusherJs } from './pusher-js.js';
import { sdkFor } from './sdk.js';
import { waitFor } from './wait.js';

export const REDIS_URL = process.env['HERALD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const KEY = 'app-key';
export const SECRET = 'app-secret';
export const ENCRYPTION_KEY = randomBytes(32).toString('base64');

export function uniquePrefix(): string {
  return `herald-test-${randomBytes(6).toString('hex')}`;
}

/**
 * Node timeout (seconds) for files that never kill a node: on a loaded 2-core CI box a node can stall
 * for more than the 3 s default below, be presumed dead and have its members reaped mid-test.
 */
export const STEADY_NODE_TIMEOUT = '10';

export function spawnNode(
  redisUrl: string,
  prefix: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<HeraldProcess> {
  return spawnHerald(args, {
    HERALD_REDIS_URL: redisUrl,
    HERALD_REDIS_PREFIX: prefix,
    HERALD_NODE_TIMEOUT: '3',
    HERALD_SHUTDOWN_TIMEOUT: '0',
    ...env,
  });
}

export function sdk(port: number): PusherServer {
  return sdkFor(
    { port, app: { id: 'app-id', key: KEY, secret: SECRET } },
    { encryptionMasterKeyBase64: ENCRYPTION_KEY },
  );
}

export interface ClientIdentity {
  userId?: string;
  userInfo?: Record<string, unknown>;
  watchlist?: string[];
}

type Callback = (err: Error | null, data: unknown) => void;

/** pusher-js options pointing at one node, with channel and user auth signed locally by the SDK. */
export function clientOptions(port: number, who: ClientIdentity = {}): Record<string, unknown> {
  const signer = sdk(port);
  return {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: {
      customHandler: (p: { socketId: string; channelName: string }, cb: Callback) =>
        cb(
          null,
          signer.authorizeChannel(
            p.socketId,
            p.channelName,
            p.channelName.startsWith('presence-')
              ? { user_id: who.userId ?? 'anonymous', user_info: who.userInfo ?? {} }
              : undefined,
          ),
        ),
    },
    userAuthentication: {
      customHandler: (p: { socketId: string }, cb: Callback) =>
        cb(
          null,
          signer.authenticateUser(p.socketId, {
            id: who.userId ?? 'anonymous',
            ...(who.watchlist ? { watchlist: who.watchlist } : {}),
          }),
        ),
    },
  };
}

export function pusherClient(port: number, who: ClientIdentity = {}): PusherJs {
  return new PusherJs(KEY, clientOptions(port, who) as never);
}

type PusherChannel = ReturnType<PusherJs['subscribe']>;

/** A new pusher-js client on `port`, signed in as `userId`, subscribed to `channel` (resolves once it is). */
export function joinAs(
  port: number,
  userId: string,
  channel: string,
  keep: PusherJs[],
  ms?: number,
): Promise<PusherChannel> {
  const client = pusherClient(port, { userId });
  keep.push(client);
  const ch = client.subscribe(channel);
  return waitFor(
    `${userId} in ${channel}`,
    (done) => ch.bind('pusher:subscription_succeeded', () => done(ch)),
    ms,
  );
}

/** A pusher-js channel; presence channels also carry their member list. */
export type ClientChannel = ReturnType<PusherJs['subscribe']> & {
  members: { count: number; get(id: string): unknown };
};

export function subscribed(client: PusherJs, name: string): Promise<ClientChannel> {
  const channel = client.subscribe(name) as ClientChannel;
  return waitFor(`subscription to ${name}`, (done) =>
    channel.bind('pusher:subscription_succeeded', () => done(channel)),
  );
}

export function connected(client: PusherJs): Promise<string> {
  return waitFor('connection', (done) => {
    if (client.connection.state === 'connected') done(client.connection.socket_id);
    else client.connection.bind('connected', () => done(client.connection.socket_id));
  });
}

/** Deletes every key under `prefix` (and nothing else: the Redis is shared). */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
      keys.push(...(batch as string[]));
    }
    if (keys.length > 0) await redis.del(...keys);
  } catch {
    // The Redis may be gone (fault tests); nothing to clean then.
  } finally {
    redis.disconnect();
  }
}

/** Ends a process and waits for it. */
export async function stop(node: HeraldProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill(signal);
  // Bounded: a node that does not stop is killed with everything it started, and the test goes on.
  await within(node.exited, 20_000, `node ${node.child.pid} stopping on ${signal}`).catch(() =>
    killTree(node),
  );
}
