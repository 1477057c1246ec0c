/**
 * HTTP API error paths over raw signed requests (API-02, API-04, API-07, API-15): every refusal with its
 * status and JSON body, each followed by proof that a good request still works.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { signApiRequest } from '../../src/protocol/signatures.js';
import type { TestServer } from '../helpers/server.js';
import { EVENT, errorOf, RAW_MAX_BODY, rawClient, startRawServer } from './raw.js';

const NOW_S = 1_700_000_000;
const MAX_BODY = RAW_MAX_BODY;
let server: TestServer;
const nowMs = NOW_S * 1000;
const { send, signedPath, stillServes } = rawClient(
  () => server,
  () => nowMs,
);

before(async () => {
  server = await startRawServer(() => nowMs);
});
after(() => server.close());

describe('error paths (API-15)', () => {
  test('malformed JSON body → 400', async () => {
    for (const body of ['{"name":', 'not json', '[1,2]', '"string"', 'null']) {
      const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body }), { body });
      assert.equal(r.status, 400, body);
      assert.match(errorOf(r), /JSON/);
    }
    await stillServes();
  });

  test(`body over maxHttpBodyBytes (${MAX_BODY}) → 413, declared or streamed`, async () => {
    const big = JSON.stringify({ name: 'e', channels: ['raw'], data: 'x'.repeat(MAX_BODY) });
    const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: big }), { body: big });
    assert.equal(r.status, 413);
    assert.match(errorOf(r), /limit of 4096 bytes/);
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(1024, 0x20));
    const streamed = await send('POST', signedPath('POST', '/apps/app-id/events', { md5: 'x' }), { chunks });
    assert.equal(streamed.status, 413);
    await stillServes();
  });

  test('a 413 closes its connection (the body is not drained); the keep-alive client reconnects', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = 'x'.repeat(MAX_BODY + 1);
      const r1 = await send('POST', signedPath('POST', '/apps/app-id/events', { body: big }), {
        body: big,
        agent,
      });
      assert.equal(r1.status, 413);
      assert.equal(r1.headers.connection, 'close');
      const r2 = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), {
        body: EVENT,
        agent,
      });
      assert.equal(r2.status, 200);
      assert.equal(r2.reusedSocket, false, 'the 413 connection was closed, not reused');
    } finally {
      agent.destroy();
    }
  });

  test('a client that hangs up mid-body is counted as a 400, not a server error', async () => {
    const settled = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the request never settled')), 5000);
      const off = server.herald.events.on('api_request', (e) => {
        clearTimeout(timer);
        off();
        resolve(e.status);
      });
    });
    const sock = connect(server.port, server.host);
    await new Promise<void>((resolve) => sock.once('connect', resolve));
    // `Expect: 100-continue` makes the server say when it has handed the request to the API.
    const continued = new Promise<string>((resolve) => sock.once('data', (d) => resolve(d.toString())));
    sock.write(`POST ${signedPath('POST', '/apps/app-id/events', { md5: 'x' })} HTTP/1.1\r\nHost: x\r\n`);
    sock.write('Expect: 100-continue\r\nContent-Length: 100\r\n\r\n');
    assert.match(await continued, /^HTTP\/1.1 100 Continue/);
    sock.write('{"name":');
    sock.destroy();
    assert.equal(await settled, 400);
    await stillServes();
  });

  test('body_md5 not matching the body → 401; missing with a body → 401', async () => {
    const wrong = await send('POST', signedPath('POST', '/apps/app-id/events', { body: '{}' }), {
      body: EVENT,
    });
    assert.equal(wrong.status, 401);
    assert.match(errorOf(wrong), /body_md5/);
    const missing = await send('POST', signedPath('POST', '/apps/app-id/events', { md5: null }), {
      body: EVENT,
    });
    assert.equal(missing.status, 401);
    assert.match(errorOf(missing), /body_md5/);
    await stillServes();
  });

  test('stale timestamp → 401 with the Pusher wording', async () => {
    const path = signedPath('GET', '/apps/app-id/channels', { timestamp: NOW_S - 600 });
    const r = await send('GET', path);
    assert.equal(r.status, 401);
    assert.match(
      errorOf(r),
      /^Timestamp expired: Given timestamp \(1699999400\) not within 600s of server time/,
    );
    await stillServes();
  });

  test('unknown app → 404; known app with another key → 401; an unknown auth_key → 401', async () => {
    const unknown = await send('GET', signedPath('GET', '/apps/nope/channels'));
    assert.equal(unknown.status, 404);
    errorOf(unknown);
    const otherAppsKey = await send(
      'GET',
      signedPath('GET', '/apps/app-id/channels', { key: 'off-key', secret: 'off-secret' }),
    );
    assert.equal(otherAppsKey.status, 401);
    assert.match(errorOf(otherAppsKey), /auth_key/);
    const noSuchKey = await send('GET', signedPath('GET', '/apps/app-id/channels', { key: 'who' }));
    assert.equal(noSuchKey.status, 401);
    await stillServes();
  });

  test('bad signature → 401 naming the string that should have been signed', async () => {
    const r = await send('GET', signedPath('GET', '/apps/app-id/channels', { secret: 'guess' }));
    assert.equal(r.status, 401);
    const msg = errorOf(r);
    assert.match(
      msg,
      /^Invalid signature: you should have sent HmacSHA256Hex\("GET\\n\/apps\/app-id\/channels\\nauth_key=app-key&/,
    );
    assert.ok(!msg.includes('app-secret'));
    const tampered = signedPath('GET', '/apps/app-id/channels', {
      extra: { info: 'subscription_count' },
    }).replace('info=subscription_count', 'info=user_count');
    assert.equal((await send('GET', tampered)).status, 401);
    const unsigned = await send('GET', '/apps/app-id/channels');
    assert.equal(unsigned.status, 401);
    assert.match(errorOf(unsigned), /Missing auth_key/);
    await stillServes();
  });

  test('query keys are case-insensitive, as signed (lowercased)', async () => {
    const params = new URLSearchParams({
      AUTH_KEY: 'app-key',
      Auth_Timestamp: String(NOW_S),
      auth_VERSION: '1.0',
      Filter_By_Prefix: 'presence-',
      INFO: 'user_count',
    });
    params.set('Auth_Signature', signApiRequest('app-secret', 'GET', '/apps/app-id/channels', params));
    const r = await send('GET', `/apps/app-id/channels?${params}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { channels: {} });
  });

  test('missing or unsupported auth_version → 401', async () => {
    for (const version of [null, '2.0']) {
      const params = new URLSearchParams({ auth_key: 'app-key', auth_timestamp: String(NOW_S) });
      if (version) params.set('auth_version', version);
      params.set('auth_signature', signApiRequest('app-secret', 'GET', '/apps/app-id/channels', params));
      assert.equal((await send('GET', `/apps/app-id/channels?${params}`)).status, 401, String(version));
    }
    await stillServes();
  });

  test('wrong method → 405 with Allow', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/apps/app-id/events', 'POST'],
      ['PUT', '/apps/app-id/events', 'POST'],
      ['DELETE', '/apps/app-id/batch_events', 'POST'],
      ['POST', '/apps/app-id/channels', 'GET'],
      ['POST', '/apps/app-id/channels/raw', 'GET'],
      ['PATCH', '/apps/app-id/channels/presence-x/users', 'GET'],
    ];
    for (const [method, path, allow] of cases) {
      const r = await send(method, signedPath(method, path));
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers['allow'], allow);
      errorOf(r);
    }
    await stillServes();
  });

  test('unknown paths → 404', async () => {
    for (const path of [
      '/apps/app-id/nope',
      '/apps/app-id/channels/raw/stats/extra',
      '/apps/app-id',
      '/apps',
      '/nope',
      '/apps/app-id/events/extra',
    ]) {
      const r = await send('GET', signedPath('GET', path));
      assert.equal(r.status, 404, path);
      errorOf(r);
    }
    assert.equal((await send('POST', '/nope', { body: '{}' })).status, 404);
    await stillServes();
  });

  test('disabled app, correctly signed → 403; a bad signature on it is still 401', async () => {
    const path = '/apps/off-id/events';
    const ok = await send(
      'POST',
      signedPath('POST', path, { body: EVENT, key: 'off-key', secret: 'off-secret' }),
      {
        body: EVENT,
      },
    );
    assert.equal(ok.status, 403);
    assert.match(errorOf(ok), /disabled/i);
    const forged = await send('POST', signedPath('POST', path, { body: EVENT, key: 'off-key' }), {
      body: EVENT,
    });
    assert.equal(forged.status, 401);
    await stillServes();
  });

  test('a GET with a body and no body_md5 → 401', async () => {
    const r = await send('GET', signedPath('GET', '/apps/app-id/channels'), { body: '{}' });
    assert.equal(r.status, 401);
    await stillServes();
  });
});
