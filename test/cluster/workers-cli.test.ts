/**
 * `--workers 2` as an operator starts it, with the default configuration (no Redis): `node bin/herald.js
 * start` and `npm start`. One banner for the node, clients served by both workers, /metrics served by
 * the primary with every worker's figures summed (a port shared by workers would answer with one
 * worker's), and SIGTERM drains every worker before the primary exits 0.
 *
 * Ports are 0 (the test picks none) and the metrics port too, so parallel test files never collide;
 * everything else is the default configuration.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pusherClient, sdk, subscribed } from '../helpers/cluster.js';
import { type Scrape, scrape } from '../helpers/metrics.js';
import {
  children,
  descendants,
  exitWithin,
  type HeraldProcess,
  killTree,
  spawnHerald,
  spawnListening,
  within,
} from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { TEST_APP } from '../helpers/server.js';
import { eventually, waitFor } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const ENV = {
  HERALD_CONSOLE: 'false',
  HERALD_METRICS: 'true',
  HERALD_METRICS_PORT: '0',
  HERALD_SHUTDOWN_TIMEOUT: '0',
};
const spawned: HeraldProcess[] = [];
const raws: RawClient[] = [];
const clients: PusherJs[] = [];
let herald: HeraldProcess;
let metricsUrl: string;
let receiver: WebhookReceiver;

async function bothWorkers(p: HeraldProcess): Promise<void> {
  await eventually('both workers listening', async () =>
    assert.equal(p.output().match(/worker \d+ listening/g)?.length, 2, p.output()),
  );
}

async function raw(port: number): Promise<RawClient> {
  const r = await RawClient.open(port);
  raws.push(r);
  return r;
}

const APP = { app_id: 'app-id' };

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  // The default configuration plus one webhook target (the file's app is the default dev app).
  const file = join(mkdtempSync(join(tmpdir(), 'herald-workers-')), 'herald.json');
  const events = ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed'];
  writeFileSync(
    file,
    JSON.stringify({
      webhooks: { batchWindowMs: 20, delayMs: 50 },
      apps: [{ ...TEST_APP, webhooks: [{ url: receiver.url('/hook'), events }] }],
    }),
  );
  herald = await spawnHerald(['--workers', '2', '--config', file], ENV);
  spawned.push(herald);
  await bothWorkers(herald);
  const m = /metrics of all workers on (http:\/\/\S+\/metrics)/.exec(herald.output());
  assert.ok(m, herald.output());
  metricsUrl = m[1]!;
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const r of raws) r.close();
  for (const p of spawned) await killTree(p);
  await receiver?.close();
});

describe('node bin/herald.js start --workers 2', () => {
  it('prints the banner once for the node', () => {
    assert.equal(herald.output().match(/Herald is listening on/g)?.length, 1, herald.output());
    assert.equal(children(herald.child.pid!).length, 2, 'two workers');
  });

  it('/metrics on the primary sums both workers: gauges equal what is connected, counters move exactly', async () => {
    const before: Scrape = await scrape(metricsUrl);
    const cs: RawClient[] = [];
    // Round-robin hands the six connections three to each worker.
    for (let i = 0; i < 6; i++) {
      const c = await raw(herald.port);
      await c.join(sdk(herald.port), 'metrics-room');
      cs.push(c);
    }
    let s = await scrape(metricsUrl);
    assert.equal(s.sum('herald_connections', APP), 6, 'every connected client, whichever worker holds it');
    assert.equal(s.sum('herald_subscriptions', { ...APP, type: 'public' }), 6);
    // herald_channels counts, per worker, channels it has subscribers for: 2 means both workers hold
    // some of the six and both were summed.
    assert.equal(s.sum('herald_channels', { ...APP, type: 'public' }), 2);
    assert.equal(s.delta(before, 'herald_connections_opened_total', APP), 6);
    assert.equal(s.delta(before, 'herald_ws_messages_received_total', APP), 6, 'one subscribe each');

    for (let i = 0; i < 3; i++) await sdk(herald.port).trigger('metrics-room', 'tick', { i });
    for (const c of cs)
      await eventually('three ticks', async () =>
        assert.equal(
          c.count((f) => f.event === 'tick'),
          3,
        ),
      );
    const afterTicks = await scrape(metricsUrl);
    assert.equal(
      afterTicks.delta(s, 'herald_http_requests_total', { ...APP, route: 'events', status: '200' }),
      3,
    );
    assert.equal(afterTicks.delta(s, 'herald_messages_out_total', { ...APP, source: 'api' }), 18, '3 × 6');

    cs[0]!.close();
    cs[1]!.close();
    await eventually('two closes counted', async () => {
      s = await scrape(metricsUrl);
      assert.equal(s.sum('herald_connections', APP), 4);
    });
    assert.equal(s.delta(before, 'herald_connections_closed_total', APP), 2);
  });

  it('webhooks fire once for the node, not once per worker', async () => {
    const count = (name: string, channel: string, user?: string) =>
      receiver
        .acceptedEvents()
        .filter((e) => e.name === name && e.channel === channel && (user === undefined || e.user_id === user))
        .length;
    const cs: RawClient[] = [];
    // Four connections in a row: two per worker; u0 joins through both workers.
    for (const user of ['u0', 'u1', 'u0', 'u2']) {
      const c = await raw(herald.port);
      await c.join(sdk(herald.port), 'presence-workers-hooks', { user_id: user });
      cs.push(c);
    }
    for (const c of cs) c.close();
    await receiver.waitFor('vacated', () => count('channel_vacated', 'presence-workers-hooks') > 0);
    // Everything before the vacate was batched no later than it, by the worker that produced it.
    await eventually('removes', async () =>
      assert.equal(count('member_removed', 'presence-workers-hooks'), 3),
    );
    assert.ok(receiver.requests.every((r) => r.valid));
    assert.equal(count('channel_occupied', 'presence-workers-hooks'), 1);
    assert.equal(count('channel_vacated', 'presence-workers-hooks'), 1);
    for (const u of ['u0', 'u1', 'u2']) {
      assert.equal(count('member_added', 'presence-workers-hooks', u), 1, u);
      assert.equal(count('member_removed', 'presence-workers-hooks', u), 1, u);
    }
  });

  it('a killed worker: every scrape answers, covering the survivor, then the replacement too', async () => {
    const isOpen = (c: RawClient) => c.ws.readyState === c.ws.OPEN;
    for (let i = 0; i < 4; i++) await raw(herald.port);
    const [victim] = children(herald.child.pid!);
    process.kill(victim!, 'SIGKILL');
    await eventually('the victim’s clients cut', async () =>
      assert.ok(raws.some((c) => c.socketId !== '' && !isOpen(c))),
    );
    // Scraped all along the crash and the restart: each scrape must answer 200 (scrape() asserts it),
    // never wait on the dead worker or on the replacement before it listens.
    while (herald.output().match(/worker \d+ listening/g)?.length !== 3) {
      await scrape(metricsUrl);
      await new Promise((r) => setTimeout(r, 50));
    }
    await eventually('the scrape equal to the clients still open', async () => {
      const s = await scrape(metricsUrl);
      assert.equal(s.sum('herald_connections', APP), raws.filter(isOpen).length);
    });
    // Two connections in a row: round-robin gives the replacement one of them.
    for (let i = 0; i < 2; i++) await raw(herald.port);
    const s = await scrape(metricsUrl);
    assert.equal(s.sum('herald_connections', APP), raws.filter(isOpen).length, 'the replacement counted');
    assert.equal(herald.output().match(/Herald is listening on/g)?.length, 1, 'no second banner');
  });

  it('SIGTERM to every process (as systemd or Ctrl-C send it) drains the workers and exits 0', async () => {
    const cs = [await raw(herald.port), await raw(herald.port)];
    const workers = children(herald.child.pid!);
    assert.equal(workers.length, 2);
    // The workers hear it twice (directly and from the primary): still one drain, not "exit now".
    herald.child.kill('SIGTERM');
    for (const pid of workers) process.kill(pid, 'SIGTERM');
    for (const c of cs)
      assert.equal(
        await within(
          c.closed.then((c) => c.code),
          20_000,
          'a client closed',
        ),
        4200,
      );
    assert.equal(await exitWithin(herald), 0, herald.output());
    assert.match(herald.output(), /draining 2 workers/);
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'worker gone');
  });
});

describe('npm start -- --workers 2', () => {
  it('starts with one banner, serves pusher-js on the port, and exits 0 on SIGTERM', async () => {
    // --ignore-scripts skips `prestart` (a rebuild): the tests run from the build already made.
    const npm = await spawnListening(
      'npm',
      ['start', '--ignore-scripts', '--', '--workers', '2', '--port', '0', '--metrics-port', '0'],
      { HERALD_CONSOLE: 'false', HERALD_METRICS: 'true', HERALD_SHUTDOWN_TIMEOUT: '0' },
    );
    spawned.push(npm);
    await bothWorkers(npm);
    assert.equal(npm.output().match(/Herald is listening on/g)?.length, 1, npm.output());

    // Enough clients that both workers serve some; each gets the SDK's event.
    const got: Promise<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      const client = pusherClient(npm.port);
      clients.push(client);
      const ch = await subscribed(client, 'npm-room');
      got.push(waitFor('hello', (done) => ch.bind('hello', done)));
    }
    await sdk(npm.port).trigger('npm-room', 'hello', { from: 'sdk' });
    assert.deepEqual(await Promise.all(got), Array(4).fill({ from: 'sdk' }));

    const herald = descendants(npm.child.pid!);
    assert.ok(herald.length >= 3, 'a primary and two workers under npm');
    npm.child.kill('SIGTERM');
    assert.equal(await exitWithin(npm), 0, npm.output());
    await eventually('every Herald process gone', async () => {
      for (const pid of herald) assert.throws(() => process.kill(pid, 0));
    });
  });
});
