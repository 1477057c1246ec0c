/**
 * The delivery loop's own timing and failure handling, under timers that fire only when the test moves
 * the clock: a retry goes out when it falls due with nothing else waking the loop; a durable queue is
 * polled once a second and a memory queue not at all; a due batch whose target is busy waits for the send
 * in flight; a queue that fails is retried every second with one warning per 10 s; a stop or a wake that
 * lands in the middle of a pass is neither ignored nor lost. The queue is the real memory queue behind a
 * probe (claims recorded, a method made to fail or held open); the sender and receiver are real.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { ServerEvents } from '../../src/events/server-events.js';
import { Deliverer } from '../../src/webhooks/deliverer.js';
import { WebhookSender } from '../../src/webhooks/sender.js';
import type { WebhookBatch } from '../../src/webhooks/webhook-queue.js';
import { waitFor } from '../helpers/wait.js';
import { ControlledTimers, ProbedQueue } from '../helpers/webhook-loop.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const APP = { id: 'loop-app', key: 'loop-key', secret: 'loop-secret' };
const START = 1_700_000_000_000;
const WINDOW = 60_000;
/** Long enough that no send here ends by timing out: each ends by an answer or a dropped connection. */
const TIMEOUT = 10_000;
let receiver: WebhookReceiver;

type Line = Record<string, unknown>;
const logs: Line[] = [];
const logWaiters = new Set<() => void>();
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      for (const w of [...logWaiters]) w();
      cb();
    },
  }),
);
const lines = (msg: string, id?: string) =>
  logs.filter((l) => l['msg'] === msg && (id === undefined || l['id'] === id));
const logged = (msg: string, id: string) =>
  waitFor<Line>(`log "${msg}" for ${id}`, (done) => {
    const check = () => {
      const [line] = lines(msg, id);
      if (!line) return;
      logWaiters.delete(check);
      done(line);
    };
    logWaiters.add(check);
    check();
  });

before(async () => {
  receiver = await WebhookReceiver.start(APP);
});
after(() => receiver.close());

/** A deliverer on controlled timers and a probed memory queue; every target key goes to the receiver. */
function loop(durable = false) {
  const config = loadConfig({
    env: {},
    overrides: { apps: [{ ...APP, webhooks: [{ url: receiver.url(), events: ['channel_occupied'] }] }] },
  });
  const app = config.apps[0]!;
  const target = app.webhooks[0]!;
  const timers = new ControlledTimers(START);
  const queue = new ProbedQueue(durable);
  const events = new ServerEvents();
  const deliverer = new Deliverer(
    queue,
    new WebhookSender('herald-test'),
    () => ({ app, target }),
    { timeoutMs: TIMEOUT, retryWindowMs: WINDOW, retryBaseMs: 1e9, retryMaxMs: 1e9 },
    events,
    logger,
    () => timers.now,
    timers,
  );
  const seen: string[] = [];
  events.on('webhook', (e) => seen.push(e.outcome));
  return {
    timers,
    queue,
    deliverer,
    seen,
    /** A batch due at `dueAt` (its retry window starts then too). */
    enqueue(id: string, targetKey = 't', dueAt = START): Promise<void> {
      const batch: WebhookBatch = {
        id,
        appId: app.id,
        target: targetKey,
        url: target.url,
        timeMs: dueAt,
        body: JSON.stringify({ time_ms: dueAt, events: [{ name: 'channel_occupied', channel: 'c' }] }),
        events: 1,
        createdAt: dueAt,
        attempts: 0,
      };
      return queue.enqueue(batch);
    },
    outcome(wanted: 'sent' | 'retried'): Promise<void> {
      return waitFor(`a ${wanted} outcome`, (done) => {
        const off = events.on('webhook', (e) => {
          if (e.outcome !== wanted) return;
          off();
          done(undefined);
        });
      });
    },
    /** Ends hanging sends and waits for every outcome to be recorded. */
    async stop(): Promise<void> {
      receiver.mode = 200;
      receiver.releaseHanging();
      await deliverer.stop();
    },
  };
}

test('a retry goes out when it falls due by the clock alone, and not before', async () => {
  const h = loop();
  try {
    receiver.mode = 500;
    await h.enqueue('due-1');
    const retried = h.outcome('retried');
    h.deliverer.wake();
    await h.timers.advance(0);
    await retried;
    receiver.mode = 200;
    // Due 1 s before the window ends. Until then: the pass that follows the failure, and no other claim.
    await h.timers.advance(WINDOW - 1001);
    assert.deepEqual(h.queue.claimed, ['due-1']);
    assert.equal(h.queue.claims.length, 2);
    const sent = h.outcome('sent');
    await h.timers.advance(1);
    await sent;
    assert.deepEqual(h.queue.claimed, ['due-1', 'due-1']);
  } finally {
    await h.stop();
  }
});

test('a durable queue is polled once a second, however far its next batch; its claims hold a lease over two timeouts', async () => {
  const h = loop(true);
  try {
    await h.enqueue('far-1', 't1', START + 3_600_000);
    h.deliverer.wake();
    await h.timers.advance(500);
    assert.equal(h.queue.claims.length, 1);
    assert.equal(h.queue.claims[0]!.options.leaseMs, 2 * TIMEOUT + 1000);
    // A wake between two polls replaces the pending one: the next poll is a second after the wake.
    h.deliverer.wake();
    await h.timers.advance(999);
    assert.equal(h.queue.claims.length, 2);
    // Another node's batch (a replay, a node that died): nothing here wakes the loop for it.
    await h.enqueue('left-1', 't2');
    const sent = h.outcome('sent');
    await h.timers.advance(1);
    assert.deepEqual(h.queue.claimed, ['left-1']);
    await sent;
  } finally {
    await h.stop();
  }
});

test('a memory queue with nothing due is not polled: only a wake starts a pass', async () => {
  const h = loop();
  try {
    h.deliverer.wake();
    await h.timers.advance(0);
    await h.timers.advance(10 * WINDOW);
    assert.equal(h.queue.claims.length, 1);
    await h.enqueue('woken-1');
    h.deliverer.wake();
    await h.timers.advance(0);
    assert.deepEqual(h.queue.claimed, ['woken-1']);
  } finally {
    await h.stop();
  }
});

test('a due batch whose target is busy here waits for the send in flight, which wakes the loop when it ends', async () => {
  const h = loop();
  try {
    receiver.mode = 'hang';
    await h.enqueue('busy-1');
    await h.enqueue('busy-2');
    h.deliverer.wake();
    await h.timers.advance(0);
    await receiver.waitFor('the first send', () => receiver.requests.some((r) => r.id === 'busy-1'));
    await h.timers.advance(0);
    assert.equal(h.queue.claims.length, 1, 'no claim while the target is busy');
    const retried = h.outcome('retried');
    receiver.releaseHanging();
    await retried;
    await h.timers.advance(0);
    assert.deepEqual(h.queue.claimed, ['busy-1', 'busy-2']);
  } finally {
    await h.stop();
  }
});

test('a batch for another target falls due while a send hangs: it goes out at its time', async () => {
  const h = loop();
  try {
    receiver.mode = 'hang';
    await h.enqueue('hung-1', 't1');
    await h.enqueue('later-1', 't2', START + 5000);
    h.deliverer.wake();
    await h.timers.advance(4999);
    assert.deepEqual(h.queue.claimed, ['hung-1']);
    await h.timers.advance(1);
    assert.deepEqual(h.queue.claimed, ['hung-1', 'later-1']);
  } finally {
    await h.stop();
  }
});

test('a batch that falls due while a claim is under way is claimed right after it', async () => {
  const h = loop();
  try {
    await h.enqueue('during-1', 't', START + 500);
    const claim = h.queue.hold('claim');
    h.deliverer.wake();
    await h.timers.advance(0);
    await claim.entered;
    h.timers.now += 500; // the claim took half a second (a slow Redis)
    claim.release();
    await h.timers.advance(0);
    assert.deepEqual(h.queue.claimed, ['during-1']);
  } finally {
    await h.stop();
  }
});

test('while the queue fails it is retried every second, with one warning per 10 s; delivery resumes after', async () => {
  const h = loop();
  const warnings = () => lines('webhook queue unavailable; retrying');
  const before = warnings().length;
  try {
    h.queue.failing.set('claim', 'always');
    h.deliverer.wake();
    await h.timers.advance(0);
    const [first] = warnings().slice(before);
    assert.deepEqual([first?.['level'], (first?.['err'] as Line)?.['message']], [40, 'queue down (claim)']);
    await h.timers.advance(10_000);
    assert.equal(warnings().length - before, 1, '10 s after the first warning: none yet');
    await h.timers.advance(1000);
    assert.equal(warnings().length - before, 2);
    h.queue.failing.delete('claim');
    await h.enqueue('back-1');
    const sent = h.outcome('sent');
    await h.timers.advance(1000);
    await sent;
    assert.deepEqual(h.queue.claimed, ['back-1']);
  } finally {
    await h.stop();
  }
});

test('an outcome the queue cannot take is logged with its batch, and the target is free for the next one', async () => {
  const h = loop();
  try {
    h.queue.failing.set('ack', 'once');
    await h.enqueue('unacked-1');
    await h.enqueue('next-1');
    h.deliverer.wake();
    await h.timers.advance(0);
    const line = await logged('webhook outcome not recorded', 'unacked-1');
    assert.deepEqual([line['level'], (line['err'] as Line)['message']], [40, 'queue down (ack)']);
    const sent = h.outcome('sent');
    await h.timers.advance(0);
    await sent;
    assert.deepEqual(h.queue.claimed, ['unacked-1', 'next-1']);
  } finally {
    await h.stop();
  }
});

test("a target status the queue cannot store holds nothing up and is not an outcome's failure", async () => {
  const h = loop();
  try {
    receiver.mode = 500;
    h.queue.failing.set('recordOutcome', 'always');
    await h.enqueue('status-1');
    const retried = h.outcome('retried');
    h.deliverer.wake();
    await h.timers.advance(0);
    await retried;
    await h.stop();
    assert.equal(lines('webhook attempt failed; will retry', 'status-1').length, 1);
    assert.deepEqual(lines('webhook outcome not recorded', 'status-1'), []);
  } finally {
    await h.stop();
  }
});

test('stopped while claiming: the claimed batch goes back to the queue unsent, and no further pass runs', async () => {
  const h = loop();
  try {
    await h.enqueue('stop-1');
    const claim = h.queue.hold('claim');
    h.deliverer.wake();
    await h.timers.advance(0);
    await claim.entered;
    h.deliverer.wake(); // asks for another pass, which the stop must override
    const stopped = h.deliverer.stop();
    claim.release();
    await stopped;
    assert.deepEqual(h.seen, []);
    assert.equal(h.queue.claims.length, 1);
    const back = await h.queue.inner.claim({ now: START, max: 10, leaseMs: 1000, busy: new Set() });
    assert.deepEqual(
      back.map((c) => c.batch.id),
      ['stop-1'],
    );
  } finally {
    await h.stop();
  }
});

test('once stopped, neither a wake nor the clock starts a pass', async () => {
  const h = loop(true);
  await h.stop();
  await h.enqueue('late-1');
  h.deliverer.wake();
  await h.timers.advance(WINDOW);
  assert.equal(h.queue.claims.length, 0);
});

test('a wake during a claim is not lost: the pass claims again', async () => {
  const h = loop();
  try {
    receiver.mode = 'hang';
    await h.enqueue('first-1', 't1');
    const claim = h.queue.hold('claim');
    h.deliverer.wake();
    await h.timers.advance(0);
    await claim.entered;
    await h.enqueue('woken-2', 't2');
    h.deliverer.wake();
    claim.release();
    await h.timers.advance(0);
    assert.deepEqual(h.queue.claimed, ['first-1', 'woken-2']);
  } finally {
    await h.stop();
  }
});

test('a wake while the next timer is being chosen is not lost: another pass follows', async () => {
  const h = loop();
  try {
    // Due later: the timer chosen for it must not stand in for the wake.
    await h.enqueue('later-3', 't9', START + 5000);
    const next = h.queue.hold('nextDue');
    h.deliverer.wake();
    await h.timers.advance(0);
    await next.entered;
    await h.enqueue('woken-3');
    h.deliverer.wake();
    next.release();
    await h.timers.advance(0);
    assert.deepEqual(h.queue.claimed, ['woken-3']);
  } finally {
    await h.stop();
  }
});
