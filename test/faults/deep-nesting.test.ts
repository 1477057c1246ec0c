/**
 * Deep-nesting attack (issue 11 §4): JSON nested thousands of levels deep in client events, presence
 * channel_data, sign-in user_data and API bodies is refused with the protocol's error before any work,
 * without a stack trace, with a bounded number of log lines, while a pusher-js bystander loses nothing.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { DEFAULT_CLIENT_LOG_LIMITS } from '../../src/logging/client-log.js';
import { channelStringToSign, signAuth, userStringToSign } from '../../src/protocol/signatures.js';
import { Bystander } from '../helpers/bystander.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { errorOf, rawClient } from '../http-api/raw.js';

let server: TestServer;
let bystander: Bystander;
const lines: Record<string, unknown>[] = [];
const http = rawClient(() => server, Date.now);

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  server = await startHerald(
    { apps: [{ ...TEST_APP, clientEvents: false }] },
    { logger: pino({ level: 'debug' }, sink) },
  );
  bystander = await Bystander.start(server);
  bystander.start();
});

after(async () => {
  bystander.close();
  await server.close();
});

/** A pusher:error with code null; returns its message. */
async function refusal(c: RawClient): Promise<string> {
  const f = await c.nextEvent('pusher:error');
  const data = f.data as { code: unknown; message: string };
  assert.equal(data.code, null, f.raw);
  assert.doesNotMatch(data.message, /internal/i, f.raw);
  return data.message;
}

describe('over WebSocket', () => {
  test('a flood of 5,000-deep client events on an app without client events: each refused, nothing breaks', async () => {
    const attacker = await RawClient.open(server);
    const frame = `{"event":"client-x","channel":"private-a","data":${deep(5000)}}`;
    const n = 300;
    for (let i = 0; i < n; i++) attacker.send(frame);
    for (let i = 0; i < n; i++) assert.match(await refusal(attacker), /nested too deeply/);
    await attacker.assertServed();

    const fromAttacker = lines.filter((l) => l['socketId'] === attacker.socketId);
    assert.ok(
      fromAttacker.length <= DEFAULT_CLIENT_LOG_LIMITS.perConnection,
      `${fromAttacker.length} log lines for one connection`,
    );
    for (const l of lines) {
      assert.ok((l['level'] as number) < 50, `no error line: ${JSON.stringify(l).slice(0, 300)}`);
      assert.doesNotMatch(JSON.stringify(l), /RangeError|stack/);
    }
    attacker.close();
  });

  test('permission comes before the payload: an oversized client event on such an app is refused as disabled', async () => {
    const c = await RawClient.open(server);
    c.send({ event: 'client-x', channel: 'private-a', data: { s: 'x'.repeat(20_000) } });
    assert.match(await refusal(c), /enable this feature/);
    c.close();
  });

  test('presence channel_data whose user_info is 5,000 deep, validly signed: refused, not joined', async () => {
    const c = await RawClient.open(server);
    const channel = 'presence-deep';
    const channelData = `{"user_id":"u1","user_info":${deep(5000)}}`;
    const auth = signAuth(
      TEST_APP.key,
      TEST_APP.secret,
      channelStringToSign(c.socketId, channel, channelData),
    );
    c.send({ event: 'pusher:subscribe', data: { channel, auth, channel_data: channelData } });
    assert.match(await refusal(c), /nested deeper than 64 levels/);
    const res = await sdkFor(server).get({ path: `/channels/${channel}/users` });
    assert.deepEqual(await res.json(), { users: [] });
    await c.assertServed();
    c.close();
  });

  test('sign-in user_data 5,000 deep, validly signed: refused', async () => {
    const c = await RawClient.open(server);
    const userData = `{"id":"u1","user_info":${deep(5000)}}`;
    const auth = signAuth(TEST_APP.key, TEST_APP.secret, userStringToSign(c.socketId, userData));
    c.send({ event: 'pusher:signin', data: { auth, user_data: userData } });
    assert.match(await refusal(c), /nested deeper than 64 levels/);
    await c.assertServed();
    c.close();
  });

  test('a subscribe whose data is a JSON string nested too deep is refused', async () => {
    const c = await RawClient.open(server);
    c.send({ event: 'pusher:subscribe', data: `{"channel":"a","x":${deep(5000)}}` });
    assert.match(await refusal(c), /nested too deeply/);
    c.close();
  });
});

describe('over HTTP', () => {
  test('a signed trigger whose socket_id is a 20,000-deep array gets 400, not 500', async () => {
    const body = `{"name":"e","channels":["raw"],"data":"{}","socket_id":${deep(20_000)}}`;
    const r = await http.send('POST', http.signedPath('POST', '/apps/app-id/events', { body }), { body });
    assert.equal(r.status, 400, r.text);
    assert.match(errorOf(r), /nests deeper than 64 levels/);
  });

  test('a signed trigger whose socket_id is a shallow array gets 400 naming the type, not its text', async () => {
    const body = `{"name":"e","channels":["raw"],"data":"{}","socket_id":[${'"1.1",'.repeat(1000)}"1.1"]}`;
    const r = await http.send('POST', http.signedPath('POST', '/apps/app-id/events', { body }), { body });
    assert.equal(r.status, 400, r.text);
    assert.equal(errorOf(r), 'Invalid socket_id: expected a string, got an array');
  });

  test('a signed batch with a deep item gets 400', async () => {
    const body = `{"batch":[{"name":"e","channel":"raw","data":"{}","info":${deep(5000)}}]}`;
    const r = await http.send('POST', http.signedPath('POST', '/apps/app-id/batch_events', { body }), {
      body,
    });
    assert.equal(r.status, 400, r.text);
  });

  test('the bystander received every event triggered during the attacks', async () => {
    await bystander.stop();
    assert.ok(bystander.count > 0);
  });
});
