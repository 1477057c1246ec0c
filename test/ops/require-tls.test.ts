/** WS-10: an app that requires TLS refuses plain ws:// with 4000 (pusher-js then retries over wss). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;

before(async () => {
  server = await startHerald({ apps: [{ id: 'tls-app', key: 'tls-key', secret: 's', requireTls: true }] });
});
after(() => server.close());

test('plain ws:// to a TLS-only app gets pusher:error 4000 then close 4000', async () => {
  const ws = new WebSocket(server.wsUrl('/app/tls-key?protocol=7'));
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(d.toString()));
  const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
  assert.equal(code, 4000);
  assert.equal(frames.length, 1);
  const error = JSON.parse(frames[0]!);
  assert.equal(error.event, 'pusher:error');
  assert.equal(error.data.code, 4000);
});
