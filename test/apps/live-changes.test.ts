/**
 * Apps changed through the admin API while pusher-js clients stay connected, on one node with the
 * PostgreSQL store (Herald's table): added → accepted at once; limits → the next event; rotated →
 * both secrets during the grace period; disabled → 4003 for connected and new clients; removed →
 * 4001. Also the admin API's refusals, over real HTTP on the console listener with its token.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminCall, CONSOLE_TOKEN, type Creds, client, errorCode, sdk } from '../helpers/admin-api.js';
import { connected, once } from '../helpers/clients.js';
import { dropPgTable, PG_URL, uniqueName } from '../helpers/databases.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const table = uniqueName();
let server: TestServer;
let consolePort: number;
const clients: PusherJs[] = [];

function track(p: PusherJs): PusherJs {
  clients.push(p);
  return p;
}

before(async () => {
  server = await startHerald({
    appStore: { driver: 'postgres', url: PG_URL, table },
    console: { enabled: true, port: 0, token: CONSOLE_TOKEN },
  });
  consolePort = server.consolePort!;
});

after(async () => {
  // faye-websocket arms a 30 s timer when a socket the server already closed is closed again.
  for (const c of clients) if (c.connection.state === 'connected') c.disconnect();
  await server.close();
  await dropPgTable(table);
});

const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  adminCall<T>(consolePort, method, path, body);

test('the admin API needs the console token and refuses bad input with clear messages', async () => {
  assert.equal((await adminCall(consolePort, 'GET', '/api/apps', undefined, null)).status, 401);
  assert.equal(
    (await adminCall(consolePort, 'GET', '/api/apps', undefined, 'wrong-token-0123456789')).status,
    401,
  );
  const first = await call<Creds>('POST', '/api/apps', { id: 'dup', key: 'dup-key' });
  assert.equal(first.status, 201);
  const dup = await call<{ error: string }>('POST', '/api/apps', { id: 'dup2', key: 'dup-key' });
  assert.equal(dup.status, 409);
  assert.match(dup.json.error, /key "dup-key" already exists/);
  const badId = await call<{ error: string }>('POST', '/api/apps', { id: 'no spaces', key: 'k' });
  assert.equal(badId.status, 400);
  assert.match(badId.json.error, /invalid id/);
  const unknown = await call<{ error: string }>('PATCH', '/api/apps/dup', { colour: 'red' });
  assert.equal(unknown.status, 400);
  assert.match(unknown.json.error, /colour: unknown key/);
  assert.equal((await call('GET', '/api/apps/missing')).status, 404);
  const list = await call<{ apps: Record<string, unknown>[]; writable: boolean }>('GET', '/api/apps');
  assert.equal(list.status, 200);
  assert.equal(list.json.writable, true);
  assert.ok(list.json.apps.some((a) => a['id'] === 'dup'));
  assert.ok(
    list.json.apps.every((a) => !('secret' in a)),
    'no secret in a listing',
  );
  assert.equal((await call('DELETE', '/api/apps/dup')).status, 204);
});

test('an added app is accepted at once, with pusher-js and the SDK', async () => {
  const refused = await RawClient.connect(server.wsUrl('/app/live-key?protocol=7'));
  assert.equal((await refused.client.closed).code, 4001, 'unknown before it is added');
  const { json: app } = await call<Creds>('POST', '/api/apps', {
    id: 'live',
    key: 'live-key',
    clientEvents: true,
  });
  const p = track(client(server.port, app));
  await connected(p);
  const ch = p.subscribe('private-room');
  await once(ch, 'pusher:subscription_succeeded');
  const got = once<{ n: number }>(ch, 'hello');
  await sdk(server.port, app).trigger('private-room', 'hello', { n: 1 });
  assert.deepEqual(await got, { n: 1 });
});

test('changed limits apply to the next event of an already connected app', async () => {
  const secret = (await call<Creds>('POST', '/api/apps/live/rotate-secret', { graceSeconds: 0 })).json;
  const api = sdk(server.port, secret);
  const big = 'x'.repeat(3000);
  await api.trigger('room', 'fits', { big });
  const r = await call('PATCH', '/api/apps/live', { limits: { maxEventPayloadBytes: 2048 } });
  assert.equal(r.status, 200);
  await assert.rejects(api.trigger('room', 'too-big', { big }), (e: { status?: number }) => e.status === 413);
});

test('rotate-secret: old and new secrets both sign during the grace period; the API shows until when', async () => {
  const before = await call<Creds>('POST', '/api/apps/live/rotate-secret', { graceSeconds: 0 });
  const old = before.json;
  const rotated = await call<Creds & { previousSecretExpiresAt: string }>(
    'POST',
    '/api/apps/live/rotate-secret',
    {
      graceSeconds: 3600,
    },
  );
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.json.secret, old.secret);
  const shown = await call<Record<string, unknown>>('GET', '/api/apps/live');
  assert.equal(shown.json['previousSecretExpiresAt'], rotated.json.previousSecretExpiresAt);
  assert.equal('secret' in shown.json, false);
  const p = track(client(server.port, old)); // channel auth signed with the old secret
  await connected(p);
  const ch = p.subscribe('private-rotating');
  await once(ch, 'pusher:subscription_succeeded');
  const both = [once(ch, 'old'), once(ch, 'new')];
  await sdk(server.port, old).trigger('private-rotating', 'old', {});
  await sdk(server.port, rotated.json).trigger('private-rotating', 'new', {});
  await Promise.all(both);
  // Grace over: rotate again without grace, the previous secret stops at once.
  const third = (await call<Creds>('POST', '/api/apps/live/rotate-secret', { graceSeconds: 0 })).json;
  await assert.rejects(
    sdk(server.port, rotated.json).trigger('room', 'x', {}),
    (e: { status?: number }) => e.status === 401,
  );
  await sdk(server.port, third).trigger('room', 'x', {});
});

test('disabled: connected clients close with 4003, new ones are refused with 4003; enabled again: accepted', async () => {
  const { json: app } = await call<Creds>('POST', '/api/apps', { id: 'dis', key: 'dis-key' });
  const p = track(client(server.port, app));
  await connected(p);
  const raw = await RawClient.open(server, '/app/dis-key?protocol=7');
  const code = errorCode(p);
  assert.equal((await call('POST', '/api/apps/dis/disable')).status, 200);
  assert.equal(await code, 4003);
  assert.equal((await raw.closed).code, 4003);
  const again = await RawClient.connect(server.wsUrl('/app/dis-key?protocol=7'));
  assert.equal((await again.client.closed).code, 4003);
  await assert.rejects(
    sdk(server.port, app).trigger('room', 'x', {}),
    (e: { status?: number }) => e.status === 403,
  );
  await call('POST', '/api/apps/dis/enable');
  const back = await RawClient.open(server, '/app/dis-key?protocol=7');
  back.ws.close();
});

test('removed: connected clients close with 4001, the API answers 404', async () => {
  const { json: app } = await call<Creds>('POST', '/api/apps', { id: 'gone', key: 'gone-key' });
  const raw = await RawClient.open(server, '/app/gone-key?protocol=7');
  assert.equal((await call('DELETE', '/api/apps/gone')).status, 204);
  assert.equal((await raw.closed).code, 4001);
  await assert.rejects(
    sdk(server.port, app).trigger('room', 'x', {}),
    (e: { status?: number }) => e.status === 404,
  );
});
