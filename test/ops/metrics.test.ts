/**
 * /metrics on its own port, scraped with a real HTTP client after traffic from the official clients:
 * every counter must move by exactly the traffic driven, gauges must equal what is connected now.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import WebSocket from 'ws';
import { parseExposition, Scrape } from '../helpers/metrics.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer;
let metricsUrl: string;
let sdk: PusherServer;
const clients: PusherJs[] = [];
const sockets: WebSocket[] = [];

async function scrape(): Promise<Scrape> {
  const res = await fetch(metricsUrl);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return new Scrape(parseExposition(await res.text()));
}

function connectPusherJs(): Promise<PusherJs> {
  const client = new PusherJs(server.app.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) =>
        callback(null, sdk.authorizeChannel(socketId, channelName)),
    },
  });
  clients.push(client);
  return waitFor('pusher-js connected', (done) => client.connection.bind('connected', () => done(client)));
}

function subscribed(client: PusherJs, name: string): Promise<void> {
  const channel = client.subscribe(name);
  return waitFor(`subscription to ${name}`, (done) =>
    channel.bind('pusher:subscription_succeeded', () => done()),
  );
}

/** A raw client that records every frame, for exact byte counts. */
async function rawClient(key = server.app.key): Promise<{ ws: WebSocket; frames: string[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/${key}?protocol=7`);
  sockets.push(ws);
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(d.toString()));
  await waitFor('raw first frame', (done) => ws.once('message', () => done(undefined)));
  return { ws, frames };
}

function nextFrame(ws: WebSocket, match: (text: string) => boolean): Promise<string> {
  return waitFor('a frame', (done) => {
    const onMessage = (d: WebSocket.RawData) => {
      const text = d.toString();
      if (!match(text)) return;
      ws.off('message', onMessage);
      done(text);
    };
    ws.on('message', onMessage);
  });
}

before(async () => {
  server = await startHerald({
    metrics: { enabled: true, host: '127.0.0.1', port: 0 },
    apps: [
      { id: 'app-id', key: 'app-key', secret: 'app-secret', clientEvents: true },
      { id: 'other-app', key: 'other-key', secret: 'other-secret' },
    ],
  });
  metricsUrl = `http://127.0.0.1:${server.metricsPort}/metrics`;
  sdk = sdkFor(server);
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const ws of sockets) ws.terminate();
  await server.close();
});

test('metrics live on their own port: /metrics there, 404 for it on the client port', async () => {
  assert.notEqual(server.metricsPort, server.port);
  const onClientPort = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  assert.equal(onClientPort.status, 404);
  const elsewhere = await fetch(metricsUrl.replace('/metrics', '/other'));
  assert.equal(elsewhere.status, 404);
  const s = await scrape();
  for (const name of [
    'process_resident_memory_bytes',
    'nodejs_heap_size_used_bytes',
    'nodejs_eventloop_lag_seconds',
  ]) {
    assert.ok(s.has(name), `${name} is exported`);
  }
});

test('connections, channels and subscriptions by type, messages and bytes by source', async () => {
  const app = { app_id: 'app-id' };
  const before = await scrape();

  const [a, b] = await Promise.all([connectPusherJs(), connectPusherJs()]);
  await Promise.all([
    subscribed(a, 'news'),
    subscribed(b, 'news'),
    subscribed(a, 'private-chat'),
    subscribed(b, 'private-chat'),
  ]);
  const raw = await rawClient();
  raw.ws.send('{"event":"pusher:subscribe","data":{"channel":"news"}}');
  await nextFrame(raw.ws, (t) => t.includes('pusher_internal:subscription_succeeded'));

  let s = await scrape();
  const ws = { ...app, transport: 'ws' };
  assert.equal(s.get('herald_connections', ws), 3);
  assert.equal(
    s.get('herald_connections_opened_total', ws) - before.get('herald_connections_opened_total', ws),
    3,
  );
  assert.equal(s.get('herald_channels', { ...app, type: 'public' }), 1);
  assert.equal(s.get('herald_channels', { ...app, type: 'private' }), 1);
  assert.equal(s.get('herald_subscriptions', { ...app, type: 'public' }), 3);
  assert.equal(s.get('herald_subscriptions', { ...app, type: 'private' }), 2);
  assert.equal(s.get('herald_connections', { app_id: 'other-app', transport: 'ws' }), 0);

  // One API event to three subscribers.
  const got = Promise.all([
    waitFor('news on a', (done) => a.channel('news')!.bind('headline', done)),
    waitFor('news on b', (done) => b.channel('news')!.bind('headline', done)),
    nextFrame(raw.ws, (t) => t.includes('"headline"')),
  ]);
  const mid = await scrape();
  await sdk.trigger('news', 'headline', { title: 'metrics' });
  const apiFrame = (await got)[2];
  s = await scrape();
  const api = { ...app, source: 'api' };
  const apiBytes = Buffer.byteLength(apiFrame);
  assert.equal(s.get('herald_messages_in_total', api) - mid.get('herald_messages_in_total', api), 1);
  assert.equal(s.get('herald_bytes_in_total', api) - mid.get('herald_bytes_in_total', api), apiBytes);
  assert.equal(s.get('herald_messages_out_total', api) - mid.get('herald_messages_out_total', api), 3);
  assert.equal(s.get('herald_bytes_out_total', api) - mid.get('herald_bytes_out_total', api), 3 * apiBytes);

  // One client event: fanned out to the other subscriber only.
  const client = { ...app, source: 'client' };
  const onB = waitFor('client event on b', (done) => b.channel('private-chat')!.bind('client-typing', done));
  a.channel('private-chat')!.trigger('client-typing', { who: 'a' });
  assert.deepEqual(await onB, { who: 'a' });
  const afterClient = await scrape();
  assert.equal(
    afterClient.get('herald_messages_in_total', client) - s.get('herald_messages_in_total', client),
    1,
  );
  assert.equal(
    afterClient.get('herald_messages_out_total', client) - s.get('herald_messages_out_total', client),
    1,
  );
  assert.equal(
    afterClient.get('herald_bytes_out_total', client) - s.get('herald_bytes_out_total', client),
    afterClient.get('herald_bytes_in_total', client) - s.get('herald_bytes_in_total', client),
  );
  assert.ok(afterClient.get('herald_bytes_in_total', client) - s.get('herald_bytes_in_total', client) > 0);

  // Frames received from clients, with their exact bytes: three pings from the raw client.
  const ping = '{"event":"pusher:ping","data":{}}';
  for (let i = 0; i < 3; i++) {
    raw.ws.send(ping);
    await nextFrame(raw.ws, (t) => t.includes('pusher:pong'));
  }
  const afterPings = await scrape();
  assert.equal(
    afterPings.get('herald_ws_messages_received_total', app) -
      afterClient.get('herald_ws_messages_received_total', app),
    3,
  );
  assert.equal(
    afterPings.get('herald_ws_bytes_received_total', app) -
      afterClient.get('herald_ws_bytes_received_total', app),
    3 * Buffer.byteLength(ping),
  );
});

test('connections closed by close code and refused by code', async () => {
  const app = { app_id: 'app-id', transport: 'ws' };
  const raw = await rawClient();
  const before = await scrape();
  const open = before.get('herald_connections', app);

  const closed = waitFor<number>('server saw the close', (done) => {
    const off = server.herald.events.on('connection_closed', (e) => {
      off();
      done(e.code);
    });
  });
  raw.ws.close(4321, 'bye');
  assert.equal(await closed, 4321);

  const refused = new WebSocket(`ws://127.0.0.1:${server.port}/app/no-such-key?protocol=7`);
  sockets.push(refused);
  assert.equal(await waitFor<number>('refusal', (done) => refused.once('close', (c) => done(c))), 4001);

  const s = await scrape();
  assert.equal(s.get('herald_connections', app), open - 1);
  assert.equal(
    s.get('herald_connections_closed_total', { ...app, code: '4321' }) -
      before.get('herald_connections_closed_total', { ...app, code: '4321' }),
    1,
  );
  assert.equal(
    s.get('herald_connections_refused_total', { code: '4001' }) -
      before.get('herald_connections_refused_total', { code: '4001' }),
    1,
  );
});

test('HTTP API requests by route and status, with a latency histogram; unknown apps get no label of their own', async () => {
  const route = (status: string) => ({ app_id: 'app-id', route: 'events', status });
  const before = await scrape();

  await sdk.trigger('news', 'one', {});
  await sdk.trigger('news', 'two', {});
  const forged = sdkFor(server, { secret: 'wrong-secret' });
  await assert.rejects(forged.trigger('news', 'three', {}), (err: { status?: number }) => err.status === 401);
  const madeUp = sdkFor(server, { appId: 'made-up-app', key: 'app-key', secret: 'app-secret' });
  await assert.rejects(madeUp.trigger('news', 'four', {}), (err: { status?: number }) => err.status === 404);

  const s = await scrape();
  const delta = (name: string, labels: Record<string, string>) =>
    s.get(name, labels) - before.get(name, labels);
  assert.equal(delta('herald_http_requests_total', route('200')), 2);
  assert.equal(delta('herald_http_requests_total', route('401')), 1);
  assert.equal(delta('herald_http_requests_total', { app_id: '', route: 'events', status: '404' }), 1);
  assert.ok(!s.samples.some((x) => x.labels['app_id'] === 'made-up-app'), 'no series for a made-up app id');
  const hist = { app_id: 'app-id', route: 'events' };
  assert.equal(delta('herald_http_request_duration_seconds_count', hist), 3);
  assert.equal(delta('herald_http_request_duration_seconds_bucket', { ...hist, le: '+Inf' }), 3);
  assert.ok(delta('herald_http_request_duration_seconds_sum', hist) > 0);
});

test('webhook outcomes and adapter traffic reported on the event stream are counted', async () => {
  // The webhook sender and the Redis adapter report through the stream; emit what they emit.
  const before = await scrape();
  const events = server.herald.events;
  events.emit({ type: 'webhook', appId: 'app-id', outcome: 'sent', events: 3 });
  events.emit({ type: 'webhook', appId: 'app-id', outcome: 'retried', events: 2 });
  events.emit({ type: 'webhook', appId: 'app-id', outcome: 'failed', events: 2 });
  events.emit({ type: 'webhook', appId: 'app-id', outcome: 'dead_lettered', events: 2 });
  events.emit({ type: 'adapter', op: 'publish', bytes: 100 });
  events.emit({ type: 'adapter', op: 'receive', bytes: 40 });
  events.emit({ type: 'adapter', op: 'receive', bytes: 60 });
  events.emit({ type: 'adapter_rtt', ms: 2 });
  const s = await scrape();
  const delta = (name: string, labels: Record<string, string> = {}) =>
    s.get(name, labels) - before.get(name, labels);
  for (const outcome of ['sent', 'retried', 'failed', 'dead_lettered']) {
    assert.equal(delta('herald_webhooks_total', { app_id: 'app-id', outcome }), 1, outcome);
  }
  assert.equal(delta('herald_webhook_events_total', { app_id: 'app-id', outcome: 'sent' }), 3);
  assert.equal(delta('herald_adapter_messages_total', { op: 'publish' }), 1);
  assert.equal(delta('herald_adapter_messages_total', { op: 'receive' }), 2);
  assert.equal(delta('herald_adapter_bytes_total', { op: 'receive' }), 100);
  assert.equal(delta('herald_adapter_rtt_seconds_count'), 1);
  assert.equal(delta('herald_adapter_rtt_seconds_bucket', { le: '0.0025' }), 1);
  assert.equal(delta('herald_adapter_rtt_seconds_bucket', { le: '0.001' }), 0);
});

test('every metric the Grafana dashboard queries is exported', async () => {
  const dashboard = readFileSync('docs/grafana-dashboard.json', 'utf8');
  const queried = new Set(
    [...dashboard.matchAll(/\b((?:herald|nodejs|process)_[a-z0-9_]+)/g)].map((m) =>
      m[1]!.replace(/_(bucket|count|sum)$/, ''),
    ),
  );
  assert.ok(queried.size >= 15, `dashboard queries ${queried.size} metrics`);
  const text = await (await fetch(metricsUrl)).text();
  const declared = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  for (const name of queried)
    assert.ok(declared.has(name), `${name} is used by the dashboard but not exported`);
});
