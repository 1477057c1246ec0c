/**
 * History on one node (memory): rewind frames exactly as live ones, rewindSeconds, the signed
 * GET .../history read with its bounds and errors, size trimming, and idempotent triggers and batches
 * (header and body field).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type PusherServer from 'pusher';
import { md5Hex, signApiRequest } from '../../src/protocol/signatures.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
let sdk: PusherServer;
let clockOffset = 0;
const raws: RawClient[] = [];

before(async () => {
  server = await startHerald(
    {
      apps: [
        {
          id: 'app-id',
          key: 'app-key',
          secret: 'app-secret',
          clientEvents: true,
          history: [
            { channels: 'rewind-*', size: 100, ttlSeconds: 600, rewind: 3 } as never,
            { channels: 'recent-*', size: 100, ttlSeconds: 600, rewindSeconds: 10 } as never,
            { channels: '*-kept-*', size: 10, ttlSeconds: 600 } as never,
          ],
        },
      ],
    },
    { clock: () => Date.now() + clockOffset },
  );
  sdk = sdkFor(server);
});

after(async () => {
  for (const r of raws) r.close();
  await server.close();
});

async function raw(): Promise<RawClient> {
  const r = await RawClient.open(server);
  raws.push(r);
  return r;
}

const tick = (channel: string, n: number) => sdk.trigger(channel, 'tick', { n });

describe('rewind', () => {
  test('a new subscriber gets the newest `rewind` events after subscription_succeeded, byte for byte as live, then live', async () => {
    const channel = 'rewind-a';
    const live = await raw();
    await live.subscribe(channel);
    for (let n = 1; n <= 5; n++) await tick(channel, n);
    const liveFrames = [];
    for (let n = 1; n <= 5; n++) liveFrames.push((await live.nextEvent('tick', channel)).raw);

    const late = await raw();
    const ok = await late.subscribe(channel);
    assert.equal(ok.event, 'pusher_internal:subscription_succeeded');
    await tick(channel, 6);
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await late.next()).raw);
    assert.deepEqual(got, [...liveFrames.slice(2), (await live.nextEvent('tick', channel)).raw]);
  });

  test('rewindSeconds: only events younger than that are rewound', async () => {
    const channel = 'recent-a';
    await tick(channel, 1);
    await tick(channel, 2);
    clockOffset += 11_000;
    await tick(channel, 3);
    const r = await raw();
    await r.subscribe(channel);
    await sdk.trigger(channel, 'marker', {});
    assert.deepEqual((await r.next()).data, '{"n":3}');
    assert.equal((await r.next()).event, 'marker');
  });

  test('client events on a history channel are kept and rewound too', async () => {
    const channel = 'private-kept-chat';
    const a = await raw();
    const auth = sdk.authorizeChannel(a.socketId, channel).auth;
    await a.subscribe(channel, { auth });
    a.send({ event: 'client-typing', channel, data: { who: 'a' } });
    await sdk.trigger(channel, 'marker', {});
    const page = await historyOf(channel);
    assert.deepEqual(
      page.events.map((e) => [e.event, e.data]),
      [
        ['client-typing', '{"who":"a"}'],
        ['marker', '{}'],
      ],
    );
  });
});

interface HistoryPage {
  events: { serial: number; timestamp: number; event: string; data: unknown }[];
  first_serial: number;
  last_serial: number;
}

async function historyOf(
  channel: string,
  params: Record<string, string | number> = {},
): Promise<HistoryPage> {
  const res = await sdk.get({ path: `/channels/${channel}/history`, params });
  assert.equal(res.status, 200);
  return (await res.json()) as HistoryPage;
}

describe('GET /apps/{id}/channels/{name}/history', () => {
  test('keeps the newest `size` events with serials and timestamps; after and limit page through them', async () => {
    const channel = 'hist-kept-a';
    const before = Date.now() + clockOffset;
    for (let n = 1; n <= 15; n++) await tick(channel, n);
    const all = await historyOf(channel);
    assert.equal(all.first_serial, 6);
    assert.equal(all.last_serial, 15);
    assert.deepEqual(
      all.events.map((e) => [e.serial, e.event, e.data]),
      Array.from({ length: 10 }, (_, i) => [i + 6, 'tick', JSON.stringify({ n: i + 6 })]),
    );
    assert.ok(all.events.every((e) => e.timestamp >= before && e.timestamp <= Date.now() + clockOffset));
    const page = await historyOf(channel, { after: 12, limit: 2 });
    assert.deepEqual(
      page.events.map((e) => e.serial),
      [13, 14],
    );
    assert.deepEqual((await historyOf(channel, { after: 15 })).events, []);
  });

  test('a channel without a rule is 404, a bad limit 400, an unsigned read 401', async () => {
    // The SDK rejects with the status and body of a non-2xx answer.
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => ({ status: 200, body: '' }),
        (e: { status: number; body: string }) => e,
      );
    const none = await failure(sdk.get({ path: '/channels/plain/history' }));
    assert.equal(none.status, 404);
    assert.match(none.body, /no history rule/);
    const bad = await failure(sdk.get({ path: '/channels/hist-kept-a/history', params: { limit: 0 } }));
    assert.equal(bad.status, 400);
    const unsigned = await fetch(server.httpUrl('/apps/app-id/channels/hist-kept-a/history'));
    assert.equal(unsigned.status, 401);
  });
});

/** A signed POST, with headers the SDK cannot add. */
function post(path: string, body: string, headers: Record<string, string> = {}): Promise<[number, string]> {
  const params = new URLSearchParams({
    auth_key: 'app-key',
    auth_timestamp: String(Math.floor((Date.now() + clockOffset) / 1000)),
    auth_version: '1.0',
    body_md5: md5Hex(body),
  });
  params.set('auth_signature', signApiRequest('app-secret', 'POST', path, params));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: server.host,
        port: server.port,
        method: 'POST',
        path: `${path}?${params}`,
        headers: { 'Content-Type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve([res.statusCode ?? 0, text]));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('idempotent publish', () => {
  test('X-Idempotency-Key: a retry is not published again and gets the first answer', async () => {
    const channel = 'idem-a';
    const r = await raw();
    await r.subscribe(channel);
    const first = JSON.stringify({ name: 'tick', channel, data: '{"n":1}', info: 'subscription_count' });
    const retry = JSON.stringify({ name: 'tick', channel, data: '{"n":2}' });
    const headers = { 'X-Idempotency-Key': 'abc-1' };
    const a = await post('/apps/app-id/events', first, headers);
    const b = await post('/apps/app-id/events', retry, headers);
    assert.deepEqual(a, [200, `{"channels":{"${channel}":{"subscription_count":1}}}`]);
    assert.deepEqual(b, a);
    await sdk.trigger(channel, 'marker', {});
    assert.equal((await r.next()).data, '{"n":1}');
    assert.equal((await r.next()).event, 'marker');
  });

  test('idempotency_key on a batch; another key publishes again; a bad key is 400 and publishes nothing', async () => {
    const channel = 'idem-b';
    const r = await raw();
    await r.subscribe(channel);
    const batch = (key: unknown) =>
      JSON.stringify({ batch: [{ name: 'tick', channel, data: '{"n":1}' }], idempotency_key: key });
    assert.deepEqual(await post('/apps/app-id/batch_events', batch('k1')), [200, '{}']);
    assert.deepEqual(await post('/apps/app-id/batch_events', batch('k1')), [200, '{}']);
    assert.deepEqual(await post('/apps/app-id/batch_events', batch('k2')), [200, '{}']);
    const [status] = await post('/apps/app-id/batch_events', batch(42));
    assert.equal(status, 400);
    await sdk.trigger(channel, 'marker', {});
    assert.equal((await r.next()).event, 'tick');
    assert.equal((await r.next()).event, 'tick');
    assert.equal((await r.next()).event, 'marker');
  });

  test('a failed publish gives its key up: the corrected retry is published', async () => {
    const channel = 'idem-c';
    const r = await raw();
    await r.subscribe(channel);
    const headers = { 'X-Idempotency-Key': 'fix-me' };
    const [bad] = await post('/apps/app-id/events', JSON.stringify({ name: 'tick', channel }), headers);
    assert.equal(bad, 400);
    const good = JSON.stringify({ name: 'tick', channel, data: '{"n":1}' });
    assert.deepEqual(await post('/apps/app-id/events', good, headers), [200, '{}']);
    assert.equal((await r.next()).data, '{"n":1}');
  });
});
