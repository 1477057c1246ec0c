/**
 * The official clients pointed at a test Herald: the `pusher` server SDK (signing every request) and
 * pusher-js subscribers that record what they receive, authorized through the SDK.
 */
import type PusherServer from 'pusher';
import { PusherJs } from '../helpers/pusher-js.js';
import type { TestServer } from '../helpers/server.js';

export interface Received {
  event: string;
  data: unknown;
}

export interface Client {
  pusher: PusherJs;
  socketId: string;
  /** Subscribes and resolves once pusher:subscription_succeeded arrived; records the channel's events. */
  subscribe(channel: string): Promise<void>;
  /** Events received on a channel so far (pusher:* and pusher_internal:* left out). */
  received(channel: string): Received[];
  /** Resolves with the first event named `event` on `channel` (already received or future). */
  next(channel: string, event: string, timeoutMs?: number): Promise<Received>;
  disconnect(): void;
}

export async function connectClient(
  server: TestServer,
  sdk: PusherServer,
  user: { user_id: string; user_info?: Record<string, unknown> } = { user_id: 'u1' },
): Promise<Client> {
  const pusher = new PusherJs(server.app.key, {
    cluster: 'mt1',
    wsHost: server.host,
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: {
      customHandler: (params, callback) =>
        callback(
          null,
          params.channelName.startsWith('presence-')
            ? sdk.authorizeChannel(params.socketId, params.channelName, user)
            : sdk.authorizeChannel(params.socketId, params.channelName),
        ),
    },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('pusher-js did not connect')), 5000);
    pusher.connection.bind('connected', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const log = new Map<string, Received[]>();
  const waiters = new Set<() => void>();
  const next = (channel: string, event: string, timeoutMs = 5000) =>
    new Promise<Received>((resolve, reject) => {
      const check = () => {
        const hit = log.get(channel)?.find((r) => r.event === event);
        if (!hit) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${event} on ${channel} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    pusher,
    socketId: pusher.connection.socket_id,
    received: (channel) => log.get(channel) ?? [],
    next,
    subscribe(channel) {
      const ch = pusher.subscribe(channel);
      log.set(channel, []);
      ch.bind_global((event: string, data: unknown) => {
        if (event.startsWith('pusher:') || event.startsWith('pusher_internal:')) return;
        log.get(channel)?.push({ event, data });
        for (const w of [...waiters]) w();
      });
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no subscription to ${channel}`)), 5000);
        ch.bind('pusher:subscription_succeeded', () => {
          clearTimeout(timer);
          resolve();
        });
        ch.bind('pusher:subscription_error', (err: unknown) => {
          clearTimeout(timer);
          reject(new Error(`subscription to ${channel} failed: ${JSON.stringify(err)}`));
        });
      });
    },
    disconnect: () => pusher.disconnect(),
  };
}
