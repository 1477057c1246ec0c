/**
 * The per-turn flush queue under a controlled clock and turn: one flush per dirtied socket, in order;
 * the per-turn budget, read every 8 sockets; the slots reused from turn to turn; and the send bound's
 * allowance for one frame larger than the bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPACT_AFTER, FLUSH_BUDGET_MS, FlushQueue, SendBound } from '../../src/transport/flush-queue.js';

/** A queue whose clock is `clock.t` and whose turns run when the test says so. */
function harness() {
  const clock = { t: 1000 };
  const turns: (() => void)[] = [];
  const queue = new FlushQueue(
    () => clock.t,
    (fn) => turns.push(fn),
  );
  const flushed: number[] = [];
  /** A socket whose flush records `id` and then runs `then` (advance the clock, dirty another socket). */
  const socket = (id: number, then?: () => void) => ({
    flush() {
      flushed.push(id);
      then?.();
    },
  });
  const runTurn = () => {
    assert.equal(turns.length, 1, 'exactly one turn requested');
    turns.shift()!();
  };
  return { clock, turns, queue, flushed, socket, runTurn };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test('sockets are flushed once each, in order, in the next turn, which is requested once', () => {
  const h = harness();
  for (const id of [1, 2, 3]) h.queue.schedule(h.socket(id));
  assert.deepEqual(h.flushed, [], 'nothing before the turn');
  assert.equal(h.queue.length, 3);
  h.runTurn();
  assert.deepEqual(h.flushed, [1, 2, 3]);
  assert.equal(h.queue.length, 0);
  assert.equal(h.turns.length, 0, 'an empty queue asks for no turn');
  // The next burst requests its own turn and reuses the same slots.
  for (const id of [4, 5, 6]) h.queue.schedule(h.socket(id));
  h.runTurn();
  assert.deepEqual(h.flushed, [1, 2, 3, 4, 5, 6]);
  assert.equal(h.queue.slots, 3);
});

test('a socket dirtied during the flush waits for the next turn', () => {
  const h = harness();
  h.queue.schedule(h.socket(1, () => h.queue.schedule(h.socket(9))));
  h.queue.schedule(h.socket(2));
  h.runTurn();
  assert.deepEqual(h.flushed, [1, 2]);
  assert.equal(h.queue.length, 1);
  h.runTurn();
  assert.deepEqual(h.flushed, [1, 2, 9]);
  assert.equal(h.turns.length, 0);
});

test('past the budget the rest waits for the next turn; the clock is read every 8 sockets', () => {
  const h = harness();
  // 2 ms per socket: 16 ms after the 8th, past the 10 ms budget.
  for (const id of range(0, 20)) h.queue.schedule(h.socket(id, () => (h.clock.t += 2)));
  h.runTurn();
  assert.deepEqual(h.flushed, range(0, 8));
  assert.equal(h.queue.length, 12);
  h.runTurn();
  assert.deepEqual(h.flushed, range(0, 16));
  h.runTurn();
  assert.deepEqual(h.flushed, range(0, 20));
  assert.equal(h.turns.length, 0);
});

test('exactly at the deadline is still within the budget', () => {
  const h = harness();
  const step = FLUSH_BUDGET_MS / 8; // 1.25 ms: the 8th socket ends exactly on the deadline
  for (const id of range(0, 24)) h.queue.schedule(h.socket(id, () => (h.clock.t += step)));
  h.runTurn();
  assert.deepEqual(h.flushed, range(0, 16));
});

test('the every-8 count starts where the turn starts, not at slot 0', () => {
  const h = harness();
  // Turn 1 flushes 5 sockets; the 5th dirties 20 more, so turn 2 starts at slot 5.
  for (const id of range(0, 4)) h.queue.schedule(h.socket(id));
  h.queue.schedule(
    h.socket(4, () => {
      for (const id of range(5, 25)) h.queue.schedule(h.socket(id, () => (h.clock.t += 2)));
    }),
  );
  h.runTurn();
  assert.deepEqual(h.flushed, range(0, 5));
  h.runTurn();
  assert.deepEqual(h.flushed, range(0, 13), 'eight sockets in the second turn');
});

/** `total` sockets scheduled; the clock jumps past the budget while flushing socket `jumpAt`. */
function backlog(total: number, jumpAt: number) {
  const h = harness();
  for (const id of range(0, total))
    h.queue.schedule(h.socket(id, id === jumpAt ? () => (h.clock.t += 100) : undefined));
  h.runTurn();
  return h;
}

test('a long backlog moves to the front once most of the array is flushed, and nothing is lost', () => {
  const total = 2 * COMPACT_AFTER;
  const h = backlog(total, COMPACT_AFTER - 6);
  assert.equal(h.flushed.length, COMPACT_AFTER);
  assert.equal(h.queue.length, total - COMPACT_AFTER);
  // The rest sits at the front: new sockets reuse the flushed slots instead of growing the array.
  for (const id of range(total, total + 10)) h.queue.schedule(h.socket(id));
  assert.equal(h.queue.slots, total);
  h.runTurn();
  assert.deepEqual(h.flushed, range(0, total + 10));
  assert.equal(h.queue.length, 0);
});

test('a backlog mostly still queued stays where it is', () => {
  const total = 2 * COMPACT_AFTER + 8;
  const h = backlog(total, COMPACT_AFTER - 6);
  assert.equal(h.flushed.length, COMPACT_AFTER);
  h.queue.schedule(h.socket(total));
  assert.equal(h.queue.slots, total + 1);
  h.runTurn();
  assert.deepEqual(h.flushed, range(0, total + 1));
});

test('a short flushed prefix is not worth moving', () => {
  const h = backlog(COMPACT_AFTER + 8, COMPACT_AFTER - 14);
  assert.equal(h.flushed.length, COMPACT_AFTER - 8);
  h.queue.schedule(h.socket(COMPACT_AFTER + 8));
  assert.equal(h.queue.slots, COMPACT_AFTER + 9);
});

test('send bound: cut past the bound; one frame larger than the bound may sit on top of it', () => {
  const max = 100;
  const b = new SendBound();
  assert.equal(b.exceeded(100, 10, max), false, 'at the bound');
  assert.equal(b.exceeded(101, 10, max), true, 'one byte past it');

  const big = new SendBound();
  assert.equal(big.exceeded(500, 500, max), false, 'a 500-byte frame alone');
  assert.equal(big.exceeded(600, 100, max), false, 'the bound on top of it');
  assert.equal(big.exceeded(601, 1, max), true, 'one byte more');

  // Once the large frame drained (what was there before this write fits the bound) the allowance goes.
  const drained = new SendBound();
  drained.exceeded(500, 500, max);
  assert.equal(drained.exceeded(150, 50, max), true, '100 bytes before this write: back to the plain bound');

  // A frame exactly the size of the bound needs no allowance: anything left before it is over the bound.
  const exact = new SendBound();
  assert.equal(exact.exceeded(100, 100, max), false);
  assert.equal(exact.exceeded(180, 80, max), true);
  assert.equal(new SendBound().exceeded(150, 100, max), true);

  // A smaller large frame does not shrink the allowance of a larger one still draining.
  const two = new SendBound();
  assert.equal(two.exceeded(500, 500, max), false);
  assert.equal(two.exceeded(590, 200, max), false, '390 of the 500 left, then 200 more: within 100 + 500');
});

test('an unused queue holds no slots; the default clock is the real one, the default turn setImmediate', async () => {
  const q = new FlushQueue();
  assert.equal(q.slots, 0);
  const flushed: number[] = [];
  // Each flush takes at least 2 ms of real time, so the 8th ends past the 10 ms budget however busy
  // the machine is.
  const spin = () => {
    const until = performance.now() + 2;
    while (performance.now() < until);
  };
  for (const id of range(0, 12))
    q.schedule({
      flush() {
        flushed.push(id);
        spin();
      },
    });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(flushed, range(0, 8));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(flushed, range(0, 12));
});
