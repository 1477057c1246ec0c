/** API-01: the Python SDK posts terminate_connections without the /apps/{id} prefix. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { md5Hex, signApiRequest, signAuth, userStringToSign } from '../../src/protocol/signatures.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startHerald();
});
after(() => server.close());

function signedUrl(path: string, body: string, key = server.app.key, secret = server.app.secret): string {
  const params = new URLSearchParams({
    auth_key: key,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    body_md5: md5Hex(body),
  });
  params.set('auth_signature', signApiRequest(secret, 'POST', path, params));
  return server.httpUrl(`${path}?${params}`);
}

test('POST /users/{id}/terminate_connections resolves the app from auth_key and closes the user with 4009', async () => {
  const ws = new WebSocket(server.wsUrl());
  const frames: Record<string, unknown>[] = [];
  const next = (event: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event}`)), 5000);
      const check = () => {
        const f = frames.find((x) => x['event'] === event);
        if (f) {
          clearTimeout(timer);
          ws.off('message', check);
          resolve(f);
        }
      };
      ws.on('message', (d) => {
        frames.push(JSON.parse(d.toString()));
        check();
      });
      check();
    });
  const established = await next('pusher:connection_established');
  const socketId = JSON.parse(established['data'] as string).socket_id as string;
  const userData = JSON.stringify({ id: 'py-user' });
  ws.send(
    JSON.stringify({
      event: 'pusher:signin',
      data: {
        user_data: userData,
        auth: signAuth(server.app.key, server.app.secret, userStringToSign(socketId, userData)),
      },
    }),
  );
  await next('pusher:signin_success');
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

  const res = await fetch(signedUrl('/users/py-user/terminate_connections', '{}'), {
    method: 'POST',
    body: '{}',
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  assert.equal(await closed, 4009);
  const error = frames.find((f) => f['event'] === 'pusher:error');
  assert.ok(error, 'a pusher:error frame precedes the close');
  assert.equal((error['data'] as { code: number }).code, 4009);
});

test('the alias refuses an unknown auth_key with 404 and a bad signature with 401', async () => {
  const unknown = await fetch(signedUrl('/users/x/terminate_connections', '{}', 'nope'), {
    method: 'POST',
    body: '{}',
  });
  assert.equal(unknown.status, 404);
  const forged = await fetch(signedUrl('/users/x/terminate_connections', '{}', server.app.key, 'wrong'), {
    method: 'POST',
    body: '{}',
  });
  assert.equal(forged.status, 401);
});
