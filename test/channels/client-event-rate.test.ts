/**
 * The client-event rate limit (CE-07) pinned exactly: the server's clock is the test's, so a burst
 * falls in one window by construction. pusher-js sends, pusher-js receives; a marker triggered through
 * the SDK after the sender has seen every refusal proves nothing more arrives.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Channel } from 'pusher-js';
import { connected, once, pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
// Starts at the real time: the SDK signs with it, and the API accepts a skew of minutes, not decades.
let now = Date.now();
const clients: PusherJs[] = [];

before(async () => {
  server = await startHerald({}, { clock: () => now });
});
after(async () => {
  for (const p of clients) p.disconnect();
  await server.close();
});

async function joined(channelName: string): Promise<{ pusher: PusherJs; channel: Channel }> {
  const pusher = pusherClient(server);
  clients.push(pusher);
  await connected(pusher);
  const channel = pusher.subscribe(channelName);
  await once(channel, 'pusher:subscription_succeeded');
  return { pusher, channel };
}

/** Sends `count` client events and resolves with how many were refused with 4301. */
async function burst(sender: { pusher: PusherJs; channel: Channel }, count: number, expectRefused: number) {
  let refused = 0;
  const allRefused = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${refused} of ${expectRefused} refusals`)), 5000);
    const onError = (err: { type?: string; data?: { code?: number; message?: string } }) => {
      if (err.type !== 'PusherError') return;
      assert.deepEqual(err.data, { code: 4301, message: 'Client event rejected due to rate limit' });
      if (++refused === expectRefused) {
        clearTimeout(timer);
        sender.pusher.connection.unbind('error', onError);
        resolve();
      }
    };
    sender.pusher.connection.bind('error', onError);
  });
  for (let i = 0; i < count; i++) assert.equal(sender.channel.trigger('client-tick', { i }), true);
  if (expectRefused > 0) await allRefused;
  return refused;
}

/**
 * Starts collecting `client-tick` at the receiver; `settle()` triggers a marker through the SDK (after
 * the burst was processed) and returns what arrived before it.
 */
function collect(receiver: Channel, channelName: string): { settle(): Promise<number[]> } {
  const got: number[] = [];
  const onTick = (d: { i: number }) => got.push(d.i);
  receiver.bind('client-tick', onTick);
  return {
    async settle() {
      const marker = once(receiver, 'marker', 5000);
      await sdkFor(server).trigger(channelName, 'marker', {});
      await marker;
      receiver.unbind('client-tick', onTick);
      return got;
    },
  };
}

test('exactly 10 client events per one-second window; the 11th to 15th get 4301; the next window opens at 1000 ms', async () => {
  const name = 'private-rate';
  const sender = await joined(name);
  const receiver = await joined(name);

  // Window 1: 15 sent at one instant, 10 delivered in order, 5 refused.
  const first = collect(receiver.channel, name);
  assert.equal(await burst(sender, 15, 5), 5);
  assert.deepEqual(await first.settle(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  // 999 ms later the window is still full: one more is refused.
  now += 999;
  const none = collect(receiver.channel, name);
  assert.equal(await burst(sender, 1, 1), 1);
  assert.deepEqual(await none.settle(), []);

  // At 1000 ms a fresh window: 10 more, then refusals again.
  now += 1;
  const second = collect(receiver.channel, name);
  assert.equal(await burst(sender, 12, 2), 2);
  assert.deepEqual(await second.settle(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(sender.pusher.connection.state, 'connected');
});
