/**
 * Slow and oversized HTTP requests (issue 11 §5): an unsigned body is refused from its query before a
 * byte of it is read, a signed body that trickles in is cut at the body deadline, slow headers at the
 * header deadline, and a declared Content-Length of 10^12 gets 413 with its connection closed while
 * the client is still sending. Throughout, probes are answered and a pusher-js bystander loses nothing.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { md5Hex, signApiRequest } from '../../src/protocol/signatures.js';
import { Bystander } from '../helpers/bystander.js';
import { startHerald, type TestServer } from '../helpers/server.js';

let server: TestServer;
let bystander: Bystander;

before(async () => {
  // One-second deadlines so the cuts show within a test's patience; the defaults are 10 s.
  server = await startHerald({ httpHeadersTimeout: 1, httpBodyTimeout: 1, maxHttpBodyBytes: 64 * 1024 });
  bystander = await Bystander.start(server);
  bystander.start();
});

after(async () => {
  bystander.close();
  await server.close();
});

interface RawConn {
  sock: Socket;
  /** Everything the server sent so far. */
  text(): string;
  /** Resolves when the server closed the connection (end, close or reset). */
  closed: Promise<void>;
}

async function open(): Promise<RawConn> {
  const sock = connect(server.port, server.host);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  let received = '';
  sock.on('data', (d) => {
    received += d.toString();
  });
  sock.on('error', () => {
    // a reset while the client is still writing is one way of being closed
  });
  const closed = new Promise<void>((resolve) => {
    sock.once('end', resolve);
    sock.once('close', resolve);
  });
  return { sock, text: () => received, closed };
}

/** Rejects when `p` has not settled within `ms`: a hang fails the test by name instead of timing out. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}

/** Writes `byte` every `ms` until the socket closes. */
function trickle(conn: RawConn, ms: number, byte = ' '): void {
  const timer = setInterval(() => {
    if (conn.sock.destroyed || !conn.sock.writable) clearInterval(timer);
    else conn.sock.write(byte);
  }, ms);
  void conn.closed.then(() => clearInterval(timer));
}

function signedQuery(method: string, path: string, body: string): string {
  const params = new URLSearchParams({
    auth_key: server.app.key,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    body_md5: md5Hex(body),
  });
  params.set('auth_signature', signApiRequest(server.app.secret, method, path, params));
  return `${path}?${params}`;
}

async function probe(): Promise<void> {
  const res = await fetch(server.httpUrl('/health'));
  assert.equal(res.status, 200);
}

test('an unsigned request with a slow body is refused with 401 at once and its connection closed', async () => {
  const conn = await open();
  const q = 'auth_key=app-key&auth_timestamp=1&auth_version=1.0&body_md5=x&auth_signature=bad';
  conn.sock.write(`POST /apps/app-id/events?${q} HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n{`);
  trickle(conn, 100);
  await within(conn.closed, 8000, 'connection closed');
  assert.match(conn.text(), /^HTTP\/1\.1 401 /);
  assert.match(conn.text(), /connection: close/i);
  await probe();
});

test('a signed request whose body trickles in gets 408 at the body deadline, and is closed', async () => {
  const body = JSON.stringify({ name: 'e', channel: 'slow', data: 'x'.repeat(500) });
  const conn = await open();
  conn.sock.write(
    `POST ${signedQuery('POST', '/apps/app-id/events', body)} HTTP/1.1\r\nHost: x\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
  );
  trickle(conn, 200, 'x');
  await within(conn.closed, 8000, 'connection closed');
  assert.match(conn.text(), /^HTTP\/1\.1 408 /);
  assert.match(conn.text(), /not received within 1 s/);
  await probe();
});

test('a declared Content-Length of 10^12 gets 413 and its connection closed while the client keeps sending', async () => {
  const conn = await open();
  conn.sock.write(
    `POST ${signedQuery('POST', '/apps/app-id/events', '')} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n`,
  );
  const chunk = Buffer.alloc(16 * 1024, 0x20);
  const pump = setInterval(() => {
    if (conn.sock.writable) conn.sock.write(chunk);
  }, 5);
  try {
    await within(conn.closed, 8000, 'connection closed');
  } finally {
    clearInterval(pump);
  }
  assert.match(conn.text(), /^HTTP\/1\.1 413 /);
  await probe();
});

test('slow headers are cut at the configured header deadline', async () => {
  const conn = await open();
  conn.sock.write('GET /health HTTP/1.1\r\nHost: x\r\n');
  trickle(conn, 200, 'X');
  await within(conn.closed, 8000, 'connection closed');
  assert.match(conn.text(), /^HTTP\/1\.1 408 /);
  await probe();
});

test('a slow WebSocket upgrade is cut the same way', async () => {
  const conn = await open();
  conn.sock.write(`GET /app/${server.app.key}?protocol=7 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`);
  trickle(conn, 200, 'X');
  await within(conn.closed, 8000, 'connection closed');
  assert.doesNotMatch(conn.text(), /101 Switching/);
  await probe();
});

test('the bystander received every event triggered meanwhile', async () => {
  await bystander.stop();
  assert.ok(bystander.count > 0);
});
