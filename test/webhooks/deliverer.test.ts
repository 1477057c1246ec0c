/**
 * The delivery loop's retry schedule, pinned under a controlled clock with the real queue, the real
 * sender and a real receiver that answers 500: the last try lands just inside the retry window (one
 * second before its end, so its time_ms still passes a receiver that rejects a window-old webhook),
 * however long the back-off has grown; a failure at that try dead-letters the batch.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ServerEvents } from '../../src/events/server-events.js';
import { silentLogger } from '../../src/logging/logger.js';
import { Deliverer } from '../../src/webhooks/deliverer.js';
import { MemoryWebhookQueue } from '../../src/webhooks/memory-queue.js';
import { WebhookSender } from '../../src/webhooks/sender.js';
import type { WebhookBatch } from '../../src/webhooks/webhook-queue.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const APP = { id: 'hook-app', key: 'hook-key', secret: 'hook-secret' };
const WINDOW = 60_000;
let receiver: WebhookReceiver;

before(async () => {
  receiver = await WebhookReceiver.start(APP);
  receiver.mode = 500;
});
after(() => receiver.close());

function outcome(events: ServerEvents, wanted: 'retried' | 'dead_lettered'): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${wanted} outcome`)), 10_000);
    const off = events.on('webhook', (e) => {
      if (e.outcome !== wanted) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

test('a back-off longer than the window is clamped to one second before its end; failing there dead-letters', async () => {
  const config = loadConfig({
    env: {},
    overrides: { apps: [{ ...APP, webhooks: [{ url: receiver.url(), events: ['channel_occupied'] }] }] },
  });
  const app = config.apps[0]!;
  const target = app.webhooks[0]!;
  const start = Date.now();
  let now = start;
  const queue = new MemoryWebhookQueue();
  const events = new ServerEvents();
  const deliverer = new Deliverer(
    queue,
    new WebhookSender('herald-test'),
    () => ({ app, target }),
    // The back-off (½ to 1 × 10⁹ ms) always overshoots the window: only the clamp brings it back.
    { timeoutMs: 2000, retryWindowMs: WINDOW, retryBaseMs: 1e9, retryMaxMs: 1e9 },
    events,
    silentLogger(),
    () => now,
  );
  const batch: WebhookBatch = {
    id: 'batch-1',
    appId: app.id,
    target: 't',
    url: target.url,
    timeMs: start,
    body: JSON.stringify({ time_ms: start, events: [{ name: 'channel_occupied', channel: 'c' }] }),
    events: 1,
    createdAt: start,
    attempts: 0,
  };
  try {
    await queue.enqueue(batch);
    const retried = outcome(events, 'retried');
    deliverer.wake();
    await retried;
    assert.equal(receiver.requests.length, 1);
    assert.equal(
      await queue.nextDue(),
      start + WINDOW - 1000,
      'the last try is due 1 s before the window ends',
    );
    assert.deepEqual(await queue.deadLetters(), []);

    // Just before that instant nothing is due; at it, the last try goes out and fails for good.
    now = start + WINDOW - 1001;
    assert.deepEqual(await queue.claim({ now, max: 1, leaseMs: 1000, busy: new Set() }), []);
    now = start + WINDOW - 1000;
    const dead = outcome(events, 'dead_lettered');
    deliverer.wake();
    await dead;
    assert.deepEqual(
      receiver.requests.map((r) => [r.headers['x-herald-webhook-attempt'], r.id, r.valid]),
      [
        ['1', 'batch-1', true],
        ['2', 'batch-1', true],
      ],
    );
    const letters = await queue.deadLetters();
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.id, 'batch-1');
    assert.match(letters[0]!.reason, /retry window over/);
    assert.equal(await queue.nextDue(), null);
  } finally {
    await deliverer.stop();
  }
});
