/** pusher-js clients for webhook tests: channel auth signed by the official SDK, awaited subscriptions. */
import type PusherServer from 'pusher';
import type { Channel } from 'pusher-js';
import { PusherJs } from './pusher-js.js';
import { sdkFor } from './sdk.js';

export interface AppCreds {
  id: string;
  key: string;
  secret: string;
}

export function sdk(app: AppCreds, port: number): PusherServer {
  return sdkFor({ port: port, app: { id: app.id, key: app.key, secret: app.secret } });
}

/** A connected pusher-js client; presence channels join as `userId`. */
export async function connect(app: AppCreds, port: number, userId = 'anon'): Promise<PusherJs> {
  const server = sdk(app, port);
  const client = new PusherJs(app.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: {
      endpoint: '/unused',
      transport: 'ajax',
      customHandler: ({ socketId, channelName }, callback) => {
        const presence = channelName.startsWith('presence-')
          ? { user_id: userId, user_info: { name: userId } }
          : undefined;
        callback(null, server.authorizeChannel(socketId, channelName, presence));
      },
    },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('pusher-js did not connect')), 10_000);
    client.connection.bind('connected', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return client;
}

export function subscribed(client: PusherJs, channel: string): Promise<Channel> {
  const ch = client.subscribe(channel);
  return new Promise<Channel>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no subscription_succeeded for ${channel}`)), 10_000);
    ch.bind('pusher:subscription_succeeded', () => {
      clearTimeout(timer);
      resolve(ch);
    });
    ch.bind('pusher:subscription_error', (e: unknown) => {
      clearTimeout(timer);
      reject(new Error(`subscription_error on ${channel}: ${JSON.stringify(e)}`));
    });
  });
}

/** Unsubscribes and waits until the server has acted on it (a ping round trip on the same socket). */
export async function unsubscribed(client: PusherJs, channel: string): Promise<void> {
  client.unsubscribe(channel);
  await roundTrip(client);
}

/** Resolves after the server answered a ping sent after everything this client sent before. */
export function roundTrip(client: PusherJs): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no pong')), 10_000);
    const onPong = (event: string) => {
      if (event !== 'pusher:pong') return;
      clearTimeout(timer);
      client.unbind_global(onPong);
      resolve();
    };
    client.bind_global(onPong);
    client.send_event('pusher:ping', {});
  });
}
