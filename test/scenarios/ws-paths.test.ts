/**
 * WebSocket paths real clients produce: pusher-js with `wsPath: '/'` (a leading `//`), trailing
 * slashes, and keys with malformed percent-encoding, which must be an unknown app (4001) rather than an
 * HTTP 500 with an error in the log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connected, pusherOptions } from '../helpers/clients.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record } from './inbox.js';

let server: TestServer;
const clients: PusherJs[] = [];

before(async () => {
  server = await startHerald();
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

test("pusher-js with wsPath '/' connects (the path starts with //) and receives events", async () => {
  const c = new PusherJs(server.app.key, { ...pusherOptions(server), wsPath: '/' } as never);
  clients.push(c);
  await connected(c);
  const inbox = new Inbox();
  record(c, 'slashes', inbox, ['pusher:subscription_succeeded', 'e']);
  await inbox.event('slashes', 'pusher:subscription_succeeded');
  await sdkFor(server).trigger('slashes', 'e', { ok: true });
  assert.deepEqual((await inbox.event('slashes', 'e')).data, { ok: true });
});

test('a trailing slash after the key is accepted', async () => {
  const raw = await RawClient.open(server, '/app/app-key/?protocol=7');
  await raw.assertServed();
  raw.close();
});

for (const key of ['%ZZ', '%E0%A4%A', 'app-key%']) {
  test(`a key with malformed percent-encoding (${key}) is an unknown app: 4001, then closed`, async () => {
    const { client, first } = await RawClient.connect(server.wsUrl(`/app/${key}?protocol=7`));
    assert.equal((first.data as { code: number }).code, 4001, first.raw);
    assert.equal((await client.closed).code, 4001);
    const ok = await RawClient.open(server);
    await ok.assertServed();
    ok.close();
  });
}
