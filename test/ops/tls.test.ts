/** TLS on the same port: wss:// for pusher-js with forceTLS, https:// for the SDK with useTLS. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { selfSignedCert } from '../helpers/front.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
let certPath: string;
const clients: PusherJs[] = [];

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-tls-'));
  const pems = selfSignedCert(dir);
  certPath = pems.cert;
  const keyPath = pems.key;
  server = await startHerald({
    ssl: { cert: certPath, key: keyPath },
    apps: [
      { id: 'app-id', key: 'app-key', secret: 'app-secret', clientEvents: true },
      { id: 'tls-app', key: 'tls-key', secret: 'tls-secret', requireTls: true },
    ],
  });
  // The self-signed certificate is trusted for this process only.
  process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
});

after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

test('pusher-js with forceTLS connects over wss:// and receives an event sent by the SDK over https://', async () => {
  const client = new PusherJs('app-key', {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wssPort: server.port,
    forceTLS: true,
    enabledTransports: ['ws'],
  });
  clients.push(client);
  const channel = client.subscribe('tls-channel');
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no subscription_succeeded over wss')), 5000);
    channel.bind('pusher:subscription_succeeded', () => {
      clearTimeout(t);
      resolve();
    });
  });
  const received = new Promise<unknown>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('event not received over wss')), 5000);
    channel.bind('secure-event', (data: unknown) => {
      clearTimeout(t);
      resolve(data);
    });
  });
  const sdk = sdkFor(server, { useTLS: true });
  const res = await sdk.trigger('tls-channel', 'secure-event', { over: 'https' });
  assert.equal(res.status, 200);
  assert.deepEqual(await received, { over: 'https' });
});

test('an app that requires TLS accepts wss:// connections', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${server.port}/app/tls-key?protocol=7`, {
    rejectUnauthorized: false,
  });
  const first = await new Promise<string>((resolve, reject) => {
    ws.once('message', (d) => resolve(d.toString()));
    ws.once('error', reject);
  });
  assert.equal(JSON.parse(first).event, 'pusher:connection_established');
  ws.close();
});

test('plain http on the TLS port is refused rather than served in clear', async () => {
  await assert.rejects(fetch(`http://127.0.0.1:${server.port}/ready`));
});
