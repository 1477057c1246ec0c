/**
 * Operations as seen from outside: /metrics scraped while traffic flows (counters never go back,
 * `app_id` only ever holds configured ids whatever keys and ids clients send), the per-app HTTP rate
 * limit answering 429 and then serving again once the second has passed, and how the official
 * pusher-js reacts to the per-app quota (4004: it stops) versus the node cap (4100: it retries).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import PusherServer from 'pusher';
import WebSocket from 'ws';
import { type Sample, scrape } from '../helpers/metrics.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const APPS = [
  { id: 'app-id', key: 'app-key', secret: 'app-secret', clientEvents: true },
  { id: 'quota', key: 'quota-key', secret: 'quota-secret', limits: { maxConnections: 1 } as never },
  {
    id: 'limited',
    key: 'limited-key',
    secret: 'limited-secret',
    limits: { maxApiRequestsPerSecond: 3 } as never,
  },
];
let now = Date.now();
let server: TestServer;
const clients: PusherJs[] = [];
const sockets: WebSocket[] = [];

before(async () => {
  server = await startHerald(
    { apps: APPS, metrics: { enabled: true, host: '127.0.0.1', port: 0 } },
    { clock: () => now },
  );
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const s of sockets) s.terminate();
  await server.close();
});

function api(app: (typeof APPS)[number]): PusherServer {
  return new PusherServer({
    appId: app.id,
    key: app.key,
    secret: app.secret,
    host: '127.0.0.1',
    port: String(server.port),
    useTLS: false,
  });
}

function client(key: string): PusherJs {
  const c = new PusherJs(key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
  });
  clients.push(c);
  return c;
}

function states(c: PusherJs, until: string): Promise<string[]> {
  const seen: string[] = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${until}; states: ${seen}`)), 10_000);
    c.connection.bind('state_change', (s: { current: string }) => {
      seen.push(s.current);
      if (s.current === until) {
        clearTimeout(t);
        resolve(seen);
      }
    });
  });
}

function rawOpen(path: string): Promise<{ first: { event: string; data: string }; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`);
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('message', (d) => resolve({ first: JSON.parse(d.toString()), ws }));
  });
}

const metricsUrl = () => `http://127.0.0.1:${server.metricsPort}/metrics`;
const counters = (samples: Sample[]) => {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (!/_total$|_count$|_sum$|_bucket$/.test(s.name)) continue;
    out.set(`${s.name}${JSON.stringify(s.labels)}`, s.value);
  }
  return out;
};

describe('metrics under traffic', () => {
  test('counters never go backwards between scrapes and app_id holds only configured ids', async () => {
    const sdk = api(APPS[0]!);
    let previous = counters((await scrape(metricsUrl())).samples);
    for (let round = 0; round < 5; round++) {
      // Traffic of every kind, including strangers with unknown keys and app ids.
      const c = client('app-key');
      const ch = c.subscribe(`news-${round}`);
      await new Promise<void>((resolve) => ch.bind('pusher:subscription_succeeded', () => resolve()));
      const got = new Promise<void>((resolve) => ch.bind('tick', () => resolve()));
      await sdk.trigger(`news-${round}`, 'tick', { round });
      await got;
      const stranger = await rawOpen(`/app/nobody-${round}?protocol=7`);
      const data = stranger.first.data as unknown;
      assert.equal((typeof data === 'string' ? JSON.parse(data) : data).code, 4001);
      const res = await fetch(`http://127.0.0.1:${server.port}/apps/ghost-${round}/events`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      assert.ok(res.status >= 400);
      c.disconnect();

      const now2 = await scrape(metricsUrl());
      const current = counters(now2.samples);
      for (const [series, value] of previous) {
        const later = current.get(series);
        assert.ok(later !== undefined, `series ${series} vanished`);
        assert.ok(later >= value, `${series} went from ${value} to ${later}`);
      }
      previous = current;
      const ids = new Set(now2.samples.map((s) => s.labels['app_id']).filter((x) => x !== undefined));
      for (const id of ids) {
        // '' is the one label of requests no app claimed.
        assert.ok(APPS.some((a) => a.id === id) || id === '', `unbounded app_id label ${id}`);
      }
    }
    const final = await scrape(metricsUrl());
    assert.ok(final.sum('herald_http_requests_total', { app_id: 'app-id' }) >= 5, 'the traffic was counted');
  });
});

describe('per-app HTTP rate limit', () => {
  test('429 past the budget, served again in the next second', async () => {
    const sdk = api(APPS[2]!);
    const status = () =>
      sdk.trigger('c', 'e', {}).then(
        (r) => r.status,
        (err: { status?: number }) => err.status ?? -1,
      );
    const first = await Promise.all(Array.from({ length: 6 }, status));
    assert.equal(first.filter((s) => s === 200).length, 3, `statuses ${first}`);
    assert.equal(first.filter((s) => s === 429).length, 3, `statuses ${first}`);
    assert.equal((await api(APPS[0]!).trigger('c', 'e', {})).status, 200, 'other apps are served');
    now += 1_100;
    assert.equal(await status(), 200, 'the budget is back after the second');
  });
});

describe('pusher-js and connection quotas', () => {
  test('per-app quota (4004): pusher-js reports the error and stops; the app owner keeps its slot', async () => {
    const owner = await rawOpen('/app/quota-key?protocol=7');
    assert.equal(owner.first.event, 'pusher:connection_established');
    const c = client('quota-key');
    const errors: { error?: { data?: { code?: number } } }[] = [];
    c.connection.bind('error', (e: { error?: { data?: { code?: number } } }) => errors.push(e));
    const seen = await states(c, 'disconnected');
    // 4000-4099 mean "do not retry" to pusher-js: straight to disconnected, never unavailable.
    assert.deepEqual(seen, ['disconnected']);
    assert.equal(errors[0]?.error?.data?.code, 4004, JSON.stringify(errors));
    assert.equal(c.connection.state, 'disconnected');
    // The holder of the only slot is still served.
    owner.ws.send(JSON.stringify({ event: 'pusher:ping', data: {} }));
    const pong = await new Promise<string>((resolve) =>
      owner.ws.once('message', (d) => resolve(d.toString())),
    );
    assert.equal(JSON.parse(pong).event, 'pusher:pong');
  });
});
