/**
 * Sockets that negotiated permessage-deflate take ws's own send path (the pre-built frames are
 * uncompressed): their frames arrive compressed and intact, in order with the uncompressed sockets'
 * copies, they are cut as slow consumers at the same bound, and the liveness ping reaches them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const BOUND = 128 * 1024;
let server: TestServer;

before(async () => {
  server = await startHerald({ perMessageDeflate: true, maxSocketBufferBytes: BOUND, activityTimeout: 1 });
});
after(() => server.close());

async function open(deflate: boolean): Promise<RawClient> {
  const ws = new WebSocket(server.wsUrl(), { perMessageDeflate: deflate });
  const client = new RawClient(ws);
  const first = await client.next();
  assert.equal(first.event, 'pusher:connection_established');
  client.socketId = (first.payload as { socket_id: string }).socket_id;
  return client;
}

const rawOf = (c: RawClient) => (c.ws as unknown as { _socket: Socket })._socket;

test('a compressing client gets the same events as a plain one, in order, in far fewer bytes', async () => {
  const zipped = await open(true);
  const plain = await open(false);
  assert.match(zipped.ws.extensions, /permessage-deflate/);
  assert.equal(plain.ws.extensions, '');
  await zipped.subscribe('feed');
  await plain.subscribe('feed');

  const sdk = sdkFor(server);
  const text = 'all work and no play '.repeat(400); // 8.4 KB that deflate shrinks fiftyfold
  const readBefore = rawOf(zipped).bytesRead;
  const plainBefore = rawOf(plain).bytesRead;
  for (let i = 0; i < 10; i++) await sdk.trigger('feed', 'doc', { i, text });
  for (const c of [zipped, plain]) {
    for (let i = 0; i < 10; i++) {
      const f = await c.nextEvent('doc', 'feed');
      assert.deepEqual(f.payload, { i, text });
    }
  }
  const zippedBytes = rawOf(zipped).bytesRead - readBefore;
  const plainBytes = rawOf(plain).bytesRead - plainBefore;
  assert.ok(plainBytes > 10 * text.length, `plain client read ${plainBytes} bytes`);
  assert.ok(
    zippedBytes < plainBytes / 10,
    `compressed client read ${zippedBytes} bytes, plain ${plainBytes}`,
  );
  zipped.close();
  plain.close();
});

test('a compressing slow consumer is cut past the bound and sees every earlier frame, then 4100', async () => {
  const reader = await open(true);
  await reader.subscribe('firehose');
  const raw = rawOf(reader);
  raw.pause();
  const cut = waitFor<number>(
    'slow_consumer for the compressing reader',
    (done) => {
      const off = server.herald.events.on('slow_consumer', (e) => {
        if (e.socketId !== reader.socketId) return;
        off();
        done(e.bufferedBytes);
      });
    },
    60_000,
  );
  let cutAt: number | null = null;
  void cut.then((b) => {
    cutAt = b;
  });
  const sdk = sdkFor(server);
  // Random text deflate cannot shrink much. Bytes still waiting for compression count towards the bound
  // too, so the cut can come before the kernel buffers fill. Bounded, in case it never comes.
  let sent = 0;
  while (cutAt === null && sent < 3000) {
    await sdk.trigger('firehose', 'big', { i: sent, payload: randomBytes(6000).toString('base64') });
    sent++;
  }
  const buffered = await cut;
  assert.ok(buffered > BOUND, `cut at ${buffered} bytes, not past the bound ${BOUND}`);

  raw.resume();
  const { code } = await reader.closed;
  assert.equal(code, 4100);
  const got = reader.log.filter((f) => f.event === 'big').map((f) => (f.payload as { i: number }).i);
  assert.ok(got.length > 0 && got.length <= sent, `${got.length} of ${sent} events before the cut`);
  assert.deepEqual(
    got,
    got.map((_, i) => i),
  );
});

test('a silent compressing client gets the liveness ping frame', async () => {
  const c = await open(true);
  await waitFor<void>('a ping frame', (done) => c.ws.once('ping', () => done()), 5000);
  c.close();
});
