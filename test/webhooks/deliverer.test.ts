/**
 * The delivery loop's retry schedule, pinned under a controlled clock with the real queue, the real
 * sender and a real receiver that answers 500: the last try lands just inside the retry window (one
 * second before its end, so its time_ms still passes a receiver that rejects a window-old webhook),
 * however long the back-off has grown; a failure at that try dead-letters the batch. Also what each
 * outcome leaves behind: the attempt reported, the queue acked or dead-lettered, the target's last outcome.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { ServerEvent } from '../../src/events/server-events.js';
import { ServerEvents } from '../../src/events/server-events.js';
import { Deliverer } from '../../src/webhooks/deliverer.js';
import { MemoryWebhookQueue } from '../../src/webhooks/memory-queue.js';
import { WebhookSender } from '../../src/webhooks/sender.js';
import type { WebhookBatch } from '../../src/webhooks/webhook-queue.js';
import { freePort } from '../helpers/process.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const APP = { id: 'hook-app', key: 'hook-key', secret: 'hook-secret' };
const WINDOW = 60_000;
let receiver: WebhookReceiver;
/** Every log line of the deliverers here, parsed: what an operator reads is part of the behaviour. */
const logs: Record<string, unknown>[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      cb();
    },
  }),
);
const logged = (msg: string, id: string) => logs.filter((l) => l['msg'] === msg && l['id'] === id);

before(async () => {
  receiver = await WebhookReceiver.start(APP);
  receiver.mode = 500;
});
after(() => receiver.close());

type Outcome = 'sent' | 'retried' | 'dead_lettered';

function outcome(events: ServerEvents, wanted: Outcome): Promise<void> {
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
    logger,
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
    const [line] = logged('webhook dead-lettered after its retry window', 'batch-1');
    assert.deepEqual(
      [line?.['level'], line?.['app'], line?.['url'], line?.['attempts'], line?.['error']],
      [40, APP.id, receiver.url(), 2, 'HTTP 500'],
    );
  } finally {
    await deliverer.stop();
  }
});

type WebhookOutcome = Extract<ServerEvent, { type: 'webhook' }>;

/** A deliverer on the real memory queue and sender, its clock at `start` until a test moves it. */
function harness(
  window: number,
  opts: { configured?: boolean; headers?: Record<string, string>; url?: string; timeoutMs?: number } = {},
) {
  const config = loadConfig({
    env: {},
    overrides: {
      apps: [
        {
          ...APP,
          webhooks: [
            {
              url: opts.url ?? receiver.url(),
              events: ['channel_occupied'],
              ...(opts.headers ? { headers: opts.headers } : {}),
            },
          ],
        },
      ],
    },
  });
  const app = config.apps[0]!;
  const target = app.webhooks[0]!;
  const start = 1_700_000_000_000;
  const h = {
    now: start,
    start,
    queue: new MemoryWebhookQueue(),
    events: new ServerEvents(),
    seen: [] as WebhookOutcome[],
    deliverer: undefined as unknown as Deliverer,
    batch(id: string, targetKey = 't'): WebhookBatch {
      return {
        id,
        appId: app.id,
        target: targetKey,
        url: target.url,
        timeMs: start,
        body: JSON.stringify({ time_ms: start, events: [{ name: 'channel_occupied', channel: 'c' }] }),
        events: 1,
        createdAt: start,
        attempts: 0,
      };
    },
  };
  h.events.on('webhook', (e) => h.seen.push(e));
  h.deliverer = new Deliverer(
    h.queue,
    new WebhookSender('herald-test'),
    () => (opts.configured === false ? undefined : { app, target }),
    { timeoutMs: opts.timeoutMs ?? 2000, retryWindowMs: window, retryBaseMs: 1e9, retryMaxMs: 1e9 },
    h.events,
    logger,
    () => h.now,
  );
  return h;
}

test('a delivered batch is acked, reported as sent with its attempt, and the target recorded as answering', async () => {
  receiver.mode = 200;
  const h = harness(WINDOW, { headers: { 'x-extra': 'yes' } });
  const sent = outcome(h.events, 'sent');
  try {
    await h.queue.enqueue(h.batch('ok-1'));
    h.deliverer.wake();
    await sent;
    const e = h.seen.at(-1)!;
    assert.equal(e.outcome, 'sent');
    assert.equal(e.events, 1);
    assert.equal(e.appId, APP.id);
    assert.deepEqual(
      { ...e.attempt, latencyMs: 0, excerpt: '' },
      {
        batchId: 'ok-1',
        target: 't',
        url: receiver.url(),
        attempt: 1,
        status: 200,
        latencyMs: 0,
        excerpt: '',
      },
    );
    assert.equal(await h.queue.size(), 0, 'acked');
    assert.deepEqual(await h.queue.deadLetters(), []);
    const [last] = await h.queue.outcomes();
    assert.deepEqual(
      { ...last!, at: 0 },
      { target: 't', appId: APP.id, url: receiver.url(), ok: true, status: 200, at: 0 },
    );
    const req = receiver.requests.find((r) => r.id === 'ok-1')!;
    assert.equal(req.headers['x-extra'], 'yes', "the target's headers go out");
    assert.equal(req.headers['x-herald-webhook-attempt'], '1');
  } finally {
    await h.deliverer.stop();
  }
});

test('a batch whose target is no longer configured is dead-lettered without a request', async () => {
  const h = harness(WINDOW, { configured: false });
  const dead = outcome(h.events, 'dead_lettered');
  const before = receiver.requests.length;
  try {
    await h.queue.enqueue(h.batch('gone-1'));
    h.deliverer.wake();
    await dead;
    const letters = await h.queue.deadLetters();
    assert.deepEqual(
      letters.map((l) => [l.id, l.reason, l.attempts]),
      [['gone-1', 'target no longer configured', 0]],
    );
    assert.deepEqual(
      h.seen.map((e) => [e.outcome, e.events]),
      [['dead_lettered', 1]],
    );
    assert.equal(receiver.requests.length, before);
  } finally {
    await h.deliverer.stop();
  }
});

test('in a short window the last try goes a tenth of the window before its end; the failure is recorded with it', async () => {
  receiver.mode = 500;
  const h = harness(5000);
  const retried = outcome(h.events, 'retried');
  try {
    await h.queue.enqueue(h.batch('short-1'));
    h.deliverer.wake();
    await retried;
    assert.equal(await h.queue.nextDue(), h.start + 4500);
    // The line follows the outcome; stopping waits for the attempt to end.
    await h.deliverer.stop();
    const [line] = logged('webhook attempt failed; will retry', 'short-1');
    assert.deepEqual(
      [line?.['level'], line?.['app'], line?.['url'], line?.['attempt'], line?.['error']],
      [20, APP.id, receiver.url(), 1, 'HTTP 500'],
    );
    assert.deepEqual(
      h.seen.map((e) => [e.outcome, e.attempt?.status ?? null]),
      [
        ['failed', 500],
        ['retried', null],
      ],
    );
    const [last] = await h.queue.outcomes();
    assert.deepEqual(
      { ...last!, at: 0, failingSince: 0 },
      {
        target: 't',
        appId: APP.id,
        url: receiver.url(),
        ok: false,
        status: 500,
        error: 'HTTP 500',
        at: 0,
        failingSince: 0,
        nextTryAt: h.start + 4500,
      },
    );
  } finally {
    await h.deliverer.stop();
  }
});

test('a target that refuses the connection: the attempt and the outcome carry the error and no status', async () => {
  const url = `http://127.0.0.1:${await freePort()}/hook`;
  const h = harness(WINDOW, { url });
  const retried = outcome(h.events, 'retried');
  try {
    await h.queue.enqueue(h.batch('refused-1'));
    h.deliverer.wake();
    await retried;
    const failed = h.seen.find((e) => e.outcome === 'failed')!;
    assert.equal(failed.attempt?.url, url);
    assert.equal('status' in failed.attempt!, false);
    await h.deliverer.stop();
    const [last] = await h.queue.outcomes();
    assert.equal(last?.ok, false);
    assert.equal('status' in last!, false);
    assert.match(String(last?.error), /ECONNREFUSED/);
  } finally {
    await h.deliverer.stop();
  }
});

test('stop() resolves only once the attempt in flight has its outcome recorded', async () => {
  receiver.mode = 'hang';
  const h = harness(WINDOW, { timeoutMs: 300 });
  try {
    await h.queue.enqueue(h.batch('stop-1'));
    assert.equal(h.deliverer.busy, false);
    h.deliverer.wake();
    await receiver.waitFor('the attempt', () => receiver.requests.some((r) => r.id === 'stop-1'));
    assert.equal(h.deliverer.busy, true);
    await h.deliverer.stop();
    assert.equal(h.deliverer.busy, false);
    assert.deepEqual(
      h.seen.map((e) => e.outcome),
      ['failed', 'retried'],
    );
    assert.equal((await h.queue.outcomes())[0]?.error, 'no answer within 300 ms');
  } finally {
    receiver.mode = 500;
    await h.deliverer.stop();
  }
});

test('at most 16 batches are in flight at once, each to its own target', async () => {
  receiver.mode = 'hang';
  const h = harness(WINDOW, { timeoutMs: 300 });
  const ids = Array.from({ length: 20 }, (_, i) => `cap-${i}`);
  try {
    for (const [i, id] of ids.entries()) await h.queue.enqueue(h.batch(id, `t${i}`));
    h.deliverer.wake();
    await receiver.waitFor(
      '16 attempts',
      () => receiver.requests.filter((r) => ids.includes(r.id)).length >= 16,
    );
    // The deliverer holds 16 claims; the other 4 are still in the queue for anyone to claim.
    const rest = await h.queue.claim({ now: h.now, max: 100, leaseMs: 1000, busy: new Set() });
    assert.equal(rest.length, 4);
  } finally {
    await h.deliverer.stop();
    receiver.mode = 500;
  }
});
