/**
 * examples/producer-consumer, run as its README says: orders placed through the Express API reach the
 * pusher-js consumer process as typed lines; bad input gets a 400. Then Herald stops (an order gets a 503)
 * and starts again, and the consumer comes back by itself and gets, through resume, exactly the events
 * published while it had no connection — once each, before the live ones.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { uniquePrefix } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';
import { type RunningExample, startExample } from './example-app.js';

let example: RunningExample;
let consumerPid: number;

before(async () => {
  // Herald keeps the history in the test Redis, under a prefix of this run's own.
  example = await startExample(
    'producer-consumer',
    { HERALD_REDIS_PREFIX: uniquePrefix() },
    { entry: 'main.js', stdin: true },
  );
  consumerPid = Number(
    /consumer started \(pid (\d+)\)/.exec(await until(/consumer started \(pid \d+\)/))![1],
  );
  await until(/\[consumer\] signed in as order-consumer/);
  await until(/\[consumer\] subscribed private-orders/);
  await until(/\[consumer\] subscribed private-stock/);
});

after(async () => {
  if (consumerPid) process.kill(consumerPid, 'SIGCONT');
  await example?.stop();
});

/** How many times `re` matched the example's output so far. */
function count(re: RegExp): number {
  return example.process.output().match(new RegExp(re.source, 'g'))?.length ?? 0;
}

/** Waits for the `n`th line of the example's (or its consumer's) output that matches `re`. */
function until(re: RegExp, n = 1, ms = 10_000): Promise<string> {
  const { child } = example.process;
  return waitFor<string>(
    `output matching ${re} (${n}×)`,
    (done) => {
      const check = () => {
        const all = example.process.output().match(new RegExp(re.source, 'g')) ?? [];
        if (all.length < n) return;
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        done(all[n - 1]!);
      };
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
      check();
    },
    ms,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; output:\n${example.process.output()}`);
  });
}

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${example.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Places an order and returns its id. */
async function order(sku: string, quantity: number): Promise<string> {
  const res = await post('/orders', { sku, quantity });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

/** Stops or starts Herald (the example toggles it on Enter) and waits for it to say so. */
async function toggleHerald(expect: RegExp): Promise<void> {
  const n = count(expect) + 1;
  example.process.child.stdin!.write('\n');
  await until(expect, n);
}

test('orders placed through the API reach the consumer as typed events; stock-low when under 5', async () => {
  const a = await order('widget', 5);
  await until(new RegExp(`\\[consumer\\] order.created ${a}: 5 × widget`));
  const shipped = await post(`/orders/${a}/ship`, { carrier: 'dhl' });
  assert.equal(shipped.status, 200);
  assert.equal(shipped.body.status, 'shipped');
  await until(new RegExp(`\\[consumer\\] order.shipped ${a} via dhl`));
  // 12 − 5 − 4 = 3: under the threshold, so the same batch carries stock.low.
  const b = await order('widget', 4);
  await until(/\[consumer\] stock.low widget: 3 left \(under 5\)/);
  await until(new RegExp(`\\[consumer\\] order.created ${b}: 4 × widget`));
});

test('bad input gets a 400 that says what is wrong; nothing reaches the consumer', async () => {
  const before = count(/\[consumer\] order\./);
  assert.deepEqual(await post('/orders', { sku: 'widget', quantity: 0 }), {
    status: 400,
    body: { error: 'body.quantity must be an integer ≥ 1' },
  });
  assert.deepEqual(await post('/orders', { quantity: 1 }), {
    status: 400,
    body: { error: 'body.sku must be a string of 1 to 100 characters' },
  });
  assert.equal((await post('/orders', { sku: 'spanner', quantity: 1 })).status, 400);
  assert.equal((await post('/orders', '{"sku":')).status, 400);
  assert.equal((await post('/orders/o-404/ship', { carrier: 'dhl' })).status, 404);
  assert.equal((await post('/orders', { sku: 'gadget', quantity: 99 })).status, 409);
  // An order after the refusals is the next thing the consumer prints.
  const c = await order('gadget', 1);
  await until(new RegExp(`\\[consumer\\] order.created ${c}:`));
  assert.equal(count(/\[consumer\] order\./), before + 1);
});

test('Herald stops and starts again: the consumer reconnects and resumes what it missed, once', async () => {
  const connectedBefore = count(/\[consumer\] connection: connected/);
  await toggleHerald(/Herald stopped/);
  await until(/\[consumer\] connection: connecting/);
  const refused = await post('/orders', { sku: 'gadget', quantity: 1 });
  assert.equal(refused.status, 503);
  assert.match(String(refused.body.error), /^event bus unavailable/);

  // The consumer has no connection now; frozen, it cannot get one before the orders below are published,
  // so they can only reach it through resume.
  process.kill(consumerPid, 'SIGSTOP');
  await toggleHerald(/Herald started again/);
  const missed = [await order('gadget', 3), await order('widget', 1)]; // gadget 8 − 1 − 3 = 4: stock.low
  const shipped = await post(`/orders/${missed[0]}/ship`, { carrier: 'ups' });
  assert.equal(shipped.status, 200);
  process.kill(consumerPid, 'SIGCONT');

  // pusher-js retries a refused port after its 15 s strategy timeout: wait past it.
  await until(/\[consumer\] connection: connected/, connectedBefore + 1, 40_000);
  await until(new RegExp(`\\[consumer\\] order.shipped ${missed[0]} via ups`), 1, 10_000);
  // stock.low travels on private-stock, resumed on its own: no order against private-orders' events.
  await until(/\[consumer\] stock.low gadget: 4 left/, 1, 10_000);
  // A live order after the resumed ones: anything resumed twice would have come before it.
  const live = await order('widget', 1);
  await until(new RegExp(`\\[consumer\\] order.created ${live}:`));
  for (const id of [...missed, live])
    assert.equal(count(new RegExp(`\\[consumer\\] order.created ${id}:`)), 1, `${id} once`);
  assert.equal(count(/\[consumer\] stock.low gadget: 4 left/), 1);
  const lines = example.process.output().split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  assert.ok(at(new RegExp(`order.created ${missed[0]}:`)) < at(new RegExp(`order.created ${missed[1]}:`)));
  assert.ok(at(new RegExp(`order.created ${missed[1]}:`)) < at(new RegExp(`order.created ${live}:`)));
});

test('GET /activity reads the channel history from Herald: every order event, in order, with serials', async () => {
  const res = await fetch(`${example.url}/activity`);
  assert.equal(res.status, 200);
  const { events } = (await res.json()) as { events: { serial: number; event: string; data: string }[] };
  assert.deepEqual(
    events.map((e) => e.serial),
    events.map((_, i) => i + 1),
  );
  const names = events.map((e) => `${e.event} ${(JSON.parse(e.data) as { orderId: string }).orderId}`);
  assert.deepEqual(names.slice(0, 3), ['order.created o-1', 'order.shipped o-1', 'order.created o-2']);
  assert.equal((await fetch(`${example.url}/activity?after=x`)).status, 400);
});
