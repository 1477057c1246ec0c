/**
 * Two Herald nodes sharing Redis and one MariaDB app table (changes found by polling its version):
 * an app added, rotated, disabled and removed through node A's admin API takes effect on node B
 * within 2 s, with pusher-js clients connected to B and the SDK publishing through both nodes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminCall, CONSOLE_TOKEN, type Creds, client, errorCode, sdk } from '../helpers/admin-api.js';
import { connected, once } from '../helpers/clients.js';
import { REDIS_URL, uniquePrefix } from '../helpers/cluster.js';
import { createMysqlDatabase } from '../helpers/databases.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

let a: TestServer;
let b: TestServer;
let drop: () => Promise<void>;
const clients: PusherJs[] = [];

before(async () => {
  const db = await createMysqlDatabase();
  drop = db.drop;
  const prefix = uniquePrefix();
  const common = {
    adapter: { driver: 'redis' as const, redisUrl: REDIS_URL, prefix },
    appStore: { driver: 'mysql' as const, url: db.url, pollMs: 250 },
  };
  a = await startHerald({ ...common, console: { enabled: true, port: 0, token: CONSOLE_TOKEN } });
  b = await startHerald(common);
});

after(async () => {
  // faye-websocket arms a 30 s timer when a socket the server already closed is closed again.
  for (const c of clients) if (c.connection.state === 'connected') c.disconnect();
  await a.close();
  await b.close();
  await drop();
});

const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  adminCall<T>(a.consolePort!, method, path, body);

/** Connects to B until the handshake succeeds; fails after 2 s. */
async function acceptedOnB(key: string): Promise<void> {
  await eventually(
    `${key} accepted on node B`,
    async () => {
      const raw = await RawClient.open(b, `/app/${key}?protocol=7`);
      raw.ws.close();
    },
    2000,
  );
}

test('an app added on node A is accepted on node B within 2 s, even after B refused its key', async () => {
  const before = await RawClient.connect(b.wsUrl('/app/multi-key?protocol=7'));
  assert.equal((await before.client.closed).code, 4001);
  const { json: app } = await call<Creds>('POST', '/api/apps', { id: 'multi', key: 'multi-key' });
  await acceptedOnB('multi-key');
  const p = client(b.port, app);
  clients.push(p);
  await connected(p);
  const ch = p.subscribe('private-both');
  await once(ch, 'pusher:subscription_succeeded');
  const viaA = once(ch, 'from-a');
  await sdk(a.port, app).trigger('private-both', 'from-a', {});
  await viaA;
});

test('a secret rotated on A: both secrets sign on B during the grace period', async () => {
  const old = (await call<Creds>('POST', '/api/apps/multi/rotate-secret', { graceSeconds: 0 })).json;
  const rotated = (await call<Creds>('POST', '/api/apps/multi/rotate-secret', { graceSeconds: 600 })).json;
  await eventually('B to accept the new secret', () => sdk(b.port, rotated).trigger('room', 'new', {}), 2000);
  await sdk(b.port, old).trigger('room', 'old', {});
});

test('disabled on A: the client on B is closed with 4003 within 2 s; removed: 4001', async () => {
  const app = (await call<Creds>('POST', '/api/apps', { id: 'victim', key: 'victim-key' })).json;
  await acceptedOnB('victim-key');
  const p = client(b.port, app);
  clients.push(p);
  await connected(p);
  const code = errorCode(p, 2000);
  await call('POST', '/api/apps/victim/disable');
  assert.equal(await code, 4003);
  await call('POST', '/api/apps/victim/enable');
  await acceptedOnB('victim-key');
  const raw = await RawClient.open(b, '/app/victim-key?protocol=7');
  await call('DELETE', '/api/apps/victim');
  assert.equal((await raw.closed).code, 4001);
});
