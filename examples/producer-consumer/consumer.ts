/**
 * The consumer: a Node process with the official pusher-js that subscribes to the catalogue's channels,
 * checks every payload against the catalogue and keeps a tally of orders. It prints one line per event and
 * per connection change.
 *
 * It signs in (as `order-consumer`, through the service's user-auth endpoint): Herald keys resume on that
 * identity, so after a reconnect — Herald restarted, the network dropped, this process restarted — it gets
 * every event published while it was away, then live ones. pusher-js reconnects, resubscribes and signs
 * in again by itself; nothing here handles reconnection beyond logging it.
 *
 *   SERVICE_URL=http://127.0.0.1:3000 HERALD_PORT=6001 CONSUMER_TOKEN=… node consumer.js
 */
import PusherModule from 'pusher-js';
import { CATALOGUE, type EventName, type EventPayloads, PayloadError } from './events.js';

// pusher-js's CommonJS entry exposes the class as `default`, which its typings do not show under NodeNext.
type PusherCtor = typeof import('pusher-js/types/src/core/pusher.js')['default'];
const PusherJs = PusherModule as unknown as PusherCtor;

const service = process.env.SERVICE_URL ?? 'http://127.0.0.1:3000';
const token = process.env.CONSUMER_TOKEN;
if (!token) {
  console.error('CONSUMER_TOKEN is required: the token the service accepts from its consumer');
  process.exit(2);
}
const auth = { headers: { Authorization: `Bearer ${token}` } };

const pusher = new PusherJs(process.env.HERALD_KEY ?? 'orders-key', {
  cluster: '',
  wsHost: process.env.HERALD_HOST ?? '127.0.0.1',
  wsPort: Number(process.env.HERALD_PORT ?? 6001),
  forceTLS: false,
  enabledTransports: ['ws'],
  channelAuthorization: { endpoint: `${service}/pusher/auth`, transport: 'ajax', ...auth },
  userAuthentication: { endpoint: `${service}/pusher/user-auth`, transport: 'ajax', ...auth },
});

/** What the consumer knows: each order's state. */
const orders = new Map<string, 'created' | 'shipped'>();

function tally(): string {
  const shipped = [...orders.values()].filter((s) => s === 'shipped').length;
  return `[${orders.size - shipped} open, ${shipped} shipped]`;
}

/** Binds a typed handler: the payload is parsed by the catalogue, a bad one is logged and skipped. */
function on<E extends EventName>(name: E, handle: (payload: EventPayloads[E]) => void): void {
  const { channel, parse } = CATALOGUE[name];
  const subscription = pusher.channel(channel) ?? pusher.subscribe(channel);
  subscription.bind(name, (data: unknown) => {
    try {
      handle(parse(data));
    } catch (err) {
      if (!(err instanceof PayloadError)) throw err;
      console.error(`skipped ${name}: ${err.message}`);
    }
  });
}

// Handlers are idempotent and order-tolerant (a replayed `created` never undoes a `shipped`).
on('order.created', (e) => {
  if (!orders.has(e.orderId)) orders.set(e.orderId, 'created');
  console.log(`order.created ${e.orderId}: ${e.quantity} × ${e.sku} ${tally()}`);
});
on('order.shipped', (e) => {
  orders.set(e.orderId, 'shipped');
  console.log(`order.shipped ${e.orderId} via ${e.carrier} ${tally()}`);
});
on('stock.low', (e) => {
  console.log(`stock.low ${e.sku}: ${e.left} left (under ${e.threshold})`);
});

for (const channel of new Set(Object.values(CATALOGUE).map((entry) => entry.channel))) {
  const subscription = pusher.channel(channel);
  subscription.bind('pusher:subscription_succeeded', () => console.log(`subscribed ${channel}`));
  subscription.bind('pusher:subscription_error', (e: { status?: number; error?: string }) =>
    console.error(`refused ${channel}: ${e.status ?? ''} ${e.error ?? ''}`),
  );
  // Away longer than Herald keeps (resumeSeconds, size): rebuild the tally from the service instead.
  subscription.bind('herald:resume_failed', (e: { reason: string; since: number }) => {
    console.error(`resume failed on ${channel} (${e.reason}, since serial ${e.since}): resyncing`);
    resync().catch((err: unknown) => console.error(`resync failed: ${String(err)}`));
  });
}

async function resync(): Promise<void> {
  const res = await fetch(`${service}/orders`);
  if (!res.ok) throw new Error(`GET /orders answered ${res.status}`);
  for (const o of (await res.json()) as { id: string; status: 'created' | 'shipped' }[])
    orders.set(o.id, o.status);
  console.log(`resynced ${tally()}`);
}

pusher.connection.bind('state_change', ({ current }: { current: string }) => {
  console.log(`connection: ${current}`);
  if (current === 'connected')
    pusher.user.signinDonePromise.then(() => {
      // The promise also settles when the connection drops mid-sign-in; user_data says it succeeded.
      if (pusher.user.user_data) console.log(`signed in as ${pusher.user.user_data.id}`);
    });
});
pusher.user.bind('pusher:signin_error', (e: { error?: string }) =>
  console.error(`sign-in refused: ${e.error}`),
);
pusher.signin();

const stop = () => {
  pusher.disconnect();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
