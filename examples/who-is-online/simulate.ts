/**
 * Simulated members: `count` pusher-js (Node) clients joining the presence channel through the app's auth
 * endpoint, as `<prefix>-<n>`. Prints a line once all are in and stays until stopped; kill it with
 * SIGKILL to see the crash case (connections dropped without unsubscribing).
 *
 *   node dist/examples/who-is-online/simulate.js <app url> [count=1000] [prefix=sim]
 */
import PusherModule from 'pusher-js';

// pusher-js's CommonJS entry exposes the class as `default`, which its typings do not show under NodeNext.
type PusherCtor = typeof import('pusher-js/types/src/core/pusher.js')['default'];
const PusherJs = PusherModule as unknown as PusherCtor;

const [appUrl = 'http://127.0.0.1:3000', count = '1000', prefix = 'sim'] = process.argv.slice(2);
const config = (await (await fetch(`${appUrl}/config`)).json()) as {
  key: string;
  wsHost: string;
  wsPort: number;
  channel: string;
};

const joins = Array.from({ length: Number(count) }, (_, i) => {
  const client = new PusherJs(config.key, {
    cluster: '',
    wsHost: config.wsHost,
    wsPort: config.wsPort,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: {
      endpoint: `${appUrl}/pusher/auth`,
      transport: 'ajax',
      params: { user: `${prefix}-${i}` },
    },
  });
  const channel = client.subscribe(config.channel);
  return new Promise<void>((resolve, reject) => {
    channel.bind('pusher:subscription_succeeded', () => resolve());
    channel.bind('pusher:subscription_error', (e: { status?: number }) =>
      reject(new Error(`${prefix}-${i} refused: ${e.status}`)),
    );
  });
});
await Promise.all(joins);
console.log(`${count} simulated members joined as ${prefix}-*`);
