/** GET / (alive) and GET /ready (accepting traffic: not draining, adapter and app store reachable). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { type AppStore, ConfigAppStore } from '../../src/apps/app-store.js';
import type { AppConfig } from '../../src/config/config.js';
import { startHerald, type TestServer, testConfig } from '../helpers/server.js';

/** An app store whose backing database can be switched off, as a SQL store's would go away. */
class SwitchableAppStore implements AppStore {
  reachable = true;
  constructor(private readonly inner: ConfigAppStore) {}
  byKey(key: string): Promise<AppConfig | undefined> {
    return this.inner.byKey(key);
  }
  byId(id: string): Promise<AppConfig | undefined> {
    return this.inner.byId(id);
  }
  async ready(): Promise<boolean> {
    return this.reachable;
  }
}

let server: TestServer;
let store: SwitchableAppStore;

before(async () => {
  store = new SwitchableAppStore(new ConfigAppStore(testConfig().apps));
  server = await startHerald({ pathPrefix: '/rt' }, { appStore: store });
});
after(() => server.close());

test('GET / and /health answer 200 while the process is alive, with or without the path prefix', async () => {
  for (const path of ['/', '/health', '/rt/', '/rt/health']) {
    const res = await fetch(server.httpUrl(path));
    assert.equal(res.status, 200, path);
    assert.deepEqual(await res.json(), { ok: true });
  }
  const head = await fetch(server.httpUrl('/'), { method: 'HEAD' });
  assert.equal(head.status, 200);
});

test('GET /ready is 200 while the app store answers and 503 while it cannot; / stays 200', async () => {
  let res = await fetch(server.httpUrl('/rt/ready'));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { ready: true });

  store.reachable = false;
  res = await fetch(server.httpUrl('/ready'));
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { ready: false });
  assert.equal((await fetch(server.httpUrl('/'))).status, 200, 'alive even when not ready');

  store.reachable = true;
  assert.equal((await fetch(server.httpUrl('/ready'))).status, 200);
});

test('while draining, new upgrades and requests are refused', async () => {
  const drained = await startHerald({ shutdownTimeout: 30 });
  const ws = new WebSocket(drained.wsUrl());
  await new Promise((resolve) => ws.once('message', resolve));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const closing = drained.close();
  assert.equal(await closed, 4200, 'the only client is told to reconnect elsewhere');
  await assert.rejects(fetch(drained.httpUrl('/ready')), 'the port no longer accepts');
  await closing;
});
