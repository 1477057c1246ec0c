/**
 * The HTTP API over raw signed requests: the spec's vector URLs byte for byte (the node's clock is
 * injected at the vectors' timestamp), exact success bodies, the deployment prefix (API-01), keep-alive
 * (API-16) and the health endpoints (MISC-05). Error paths are in raw-errors.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import { EVENT, errorOf, RAW_PREFIX, type Reply, rawClient, rawSubscriber, startRawServer } from './raw.js';

interface HttpVector {
  method: string;
  path: string;
  body: string | null;
  url: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/vectors.json', import.meta.url), 'utf8'),
);
const httpVectors: HttpVector[] = vectors.httpApi;
const vector = (method: string, path: string, withBody: boolean) =>
  httpVectors.find((v) => v.method === method && v.path === path && (v.body !== null) === withBody)!;

const NOW_S = 1_700_000_000;
const PREFIX = RAW_PREFIX;
let server: TestServer;
let nowMs = NOW_S * 1000;
const { send, signedPath, stillServes } = rawClient(
  () => server,
  () => nowMs,
);

before(async () => {
  server = await startRawServer(() => nowMs);
});
after(() => server.close());

const wsUrl = () => server.wsUrl(`${PREFIX}/app/app-key?protocol=7&client=js&version=8.4.0`);

describe('spec vectors, byte for byte (clock at 1700000000)', () => {
  test('T-05 POST /apps/app-id/events answers 200 {} and the subscriber gets the exact frame', async () => {
    const sub = await rawSubscriber(wsUrl(), 'my-channel');
    const v = vector('POST', '/apps/app-id/events', true);
    const r = await send('POST', v.url, { body: v.body!, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{}');
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(
      await sub.next(),
      '{"event":"my-event","channel":"my-channel","data":"{\\"hello\\":\\"world\\"}"}',
    );
    sub.ws.close();
  });

  test('T-06 GET /channels?filter_by_prefix=presence-&info=user_count answers 200', async () => {
    const r = await send('GET', vector('GET', '/apps/app-id/channels', false).url);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { channels: {} });
  });

  test('T-07 the same with body_md5 of the empty body (Python SDK) answers 200', async () => {
    const r = await send('GET', vector('GET', '/apps/app-id/channels', true).url);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { channels: {} });
  });

  test('T-08 GET /channels/presence-room, as sent and percent-encoded (PHP), answers 200', async () => {
    const v = vector('GET', '/apps/app-id/channels/presence-room', false);
    const encoded = v.url.replace('user_count,subscription_count', 'user_count%2Csubscription_count');
    assert.notEqual(encoded, v.url);
    for (const url of [v.url, encoded]) {
      const r = await send('GET', url);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(JSON.parse(r.text), { occupied: false, user_count: 0, subscription_count: 0 });
    }
  });

  test('T-10 POST /batch_events answers {"batch":[{},{"user_count":0}]}', async () => {
    const v = vector('POST', '/apps/app-id/batch_events', true);
    const r = await send('POST', v.url, { body: v.body! });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"batch":[{},{"user_count":0}]}');
  });

  test('T-12 an encrypted payload is forwarded unchanged, byte for byte', async () => {
    const sub = await rawSubscriber(wsUrl(), 'private-encrypted-foo');
    const data =
      '{"nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX","ciphertext":"qwfNfoalgMQ6GxPaF015eMddCU6GtpvMpGpsHnNLlm9yNmQ="}';
    const body = JSON.stringify({ name: 'sealed', channels: ['private-encrypted-foo'], data });
    const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body }), { body });
    assert.equal(r.status, 200, r.text);
    assert.equal(
      await sub.next(),
      JSON.stringify({ event: 'sealed', channel: 'private-encrypted-foo', data }),
    );
    sub.ws.close();
  });

  test('the vector URL is refused with 401 once the clock is 600 s past it, accepted at 599 s', async () => {
    const v = vector('GET', '/apps/app-id/channels', false);
    try {
      nowMs = (NOW_S + 600) * 1000;
      const stale = await send('GET', v.url);
      assert.equal(stale.status, 401);
      assert.equal(
        errorOf(stale),
        'Timestamp expired: Given timestamp (1700000000) not within 600s of server time (1700000600)',
      );
      nowMs = (NOW_S - 600) * 1000;
      assert.equal((await send('GET', v.url)).status, 401, 'a timestamp from the future is refused too');
      nowMs = (NOW_S + 599) * 1000;
      assert.equal((await send('GET', v.url)).status, 200);
      nowMs = (NOW_S - 599) * 1000;
      assert.equal((await send('GET', v.url)).status, 200);
    } finally {
      nowMs = NOW_S * 1000;
    }
    await stillServes();
  });
});

describe('success bodies', () => {
  test('events and batch_events without info answer exactly {}', async () => {
    await stillServes();
    const batch = '{"batch":[{"channel":"raw","name":"e","data":"1"}]}';
    const r = await send('POST', signedPath('POST', '/apps/app-id/batch_events', { body: batch }), {
      body: batch,
    });
    assert.equal(r.status, 200);
    assert.equal(r.text, '{}');
  });

  test('the body is parsed as JSON whatever the Content-Type, and when sent chunked', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), {
        body: EVENT,
        headers: { 'Content-Type': type },
      });
      assert.equal(r.status, 200, type);
    }
    const chunks = [Buffer.from(EVENT.slice(0, 10)), Buffer.from(EVENT.slice(10))];
    const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), { chunks });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{}');
  });
});

describe('routing and transport', () => {
  test(`the ${PREFIX} deployment prefix is stripped before the signature is checked`, async () => {
    const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT, prefix: PREFIX }), {
      body: EVENT,
    });
    assert.equal(r.status, 200, r.text);
    const get = await send('GET', signedPath('GET', '/apps/app-id/channels', { prefix: PREFIX }));
    assert.equal(get.status, 200, get.text);
    // A path that only starts with the same letters is not the prefix.
    const lookalike = await send('GET', signedPath('GET', '/apps/app-id/channels', { prefix: `${PREFIX}x` }));
    assert.equal(lookalike.status, 404);
    const glued = await send('GET', signedPath('GET', 'apps/app-id/channels', { prefix: PREFIX }));
    assert.equal(glued.status, 404, 'the prefix is a whole path segment');
  });

  test('keep-alive: several requests, errors included, share one socket', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const replies: Reply[] = [];
      replies.push(await send('GET', signedPath('GET', '/apps/app-id/channels'), { agent }));
      replies.push(
        await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), {
          body: EVENT,
          agent,
        }),
      );
      replies.push(
        await send('GET', signedPath('GET', '/apps/app-id/channels', { secret: 'bad' }), { agent }),
      );
      replies.push(
        await send('POST', signedPath('POST', '/apps/app-id/events', { body: '{' }), { body: '{', agent }),
      );
      replies.push(await send('GET', signedPath('GET', '/apps/app-id/channels/raw'), { agent }));
      replies.push(await send('GET', '/', { agent }));
      assert.deepEqual(
        replies.map((r) => r.status),
        [200, 200, 401, 400, 200, 200],
      );
      assert.deepEqual(
        replies.map((r) => r.reusedSocket),
        [false, true, true, true, true, true],
      );
      for (const r of replies) assert.notEqual(r.headers['connection'], 'close');
    } finally {
      agent.destroy();
    }
  });

  test('GET / and GET /ready answer 200 for load balancers; HEAD / too', async () => {
    const root = await send('GET', '/');
    assert.equal(root.status, 200);
    assert.deepEqual(JSON.parse(root.text), { ok: true });
    const ready = await send('GET', '/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.text), { ready: true });
    assert.equal((await send('HEAD', '/')).status, 200);
    assert.equal((await send('GET', `${PREFIX}/ready`)).status, 200);
  });

  test('a plain GET of the WebSocket path answers 426 and does not disturb the node', async () => {
    const r = await send('GET', `${PREFIX}/app/app-key`);
    assert.equal(r.status, 426);
    await stillServes();
  });
});
