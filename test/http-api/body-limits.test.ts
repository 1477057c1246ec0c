/**
 * The HTTP API body limits at their edges (API-07), over raw signed requests: a body of exactly
 * maxHttpBodyBytes is served and one byte more gets 413, declared or chunked; a body that comes in many
 * chunks still meets its body_md5 (it is hashed as it arrives); a body that stalls gets 408 at the body
 * deadline, whose message gives it in seconds. A declared length over the limit is refused before the
 * signature is checked, and a body that is not a JSON object within the depth limit is a 400 naming why.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { within } from '../helpers/process.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { errorOf, type Reply, rawClient } from './raw.js';

const MAX = 4096;
const NOW_MS = 1_700_000_000_000;
let server: TestServer;
const { send, signedPath } = rawClient(
  () => server,
  () => NOW_MS,
);

before(async () => {
  // A one-second body deadline (the shortest there is) so the 408 shows within a test's patience.
  server = await startHerald({ maxHttpBodyBytes: MAX, httpBodyTimeout: 1 }, { clock: () => NOW_MS });
});
after(() => server.close());

/** A valid trigger of exactly `bytes`, its padding inside the data: no shorter prefix of it is JSON. */
function padded(bytes: number): string {
  const event = (data: string) => JSON.stringify({ name: 'e', channels: ['raw'], data });
  return event('x'.repeat(bytes - event('').length));
}
const trigger = (body: string) => signedPath('POST', '/apps/app-id/events', { body });

/** `body` in `n` pieces, written one by one as chunks. */
function split(body: string, n: number): Buffer[] {
  const size = Math.ceil(body.length / n);
  return Array.from({ length: n }, (_, i) => Buffer.from(body.slice(i * size, (i + 1) * size)));
}

test('a body of exactly maxHttpBodyBytes is served; one byte more is 413, declared or chunked', async () => {
  const exact = padded(MAX);
  const served = await send('POST', trigger(exact), { body: exact });
  assert.equal(served.status, 200, served.text);
  const chunked = await send('POST', trigger(exact), { chunks: split(exact, 4), continued: true });
  assert.equal(chunked.status, 200, chunked.text);

  const over = padded(MAX + 1);
  for (const opts of [{ body: over }, { chunks: split(over, 4), continued: true }]) {
    const r = await send('POST', trigger(over), opts);
    assert.equal(r.status, 413);
    assert.equal(errorOf(r), `Request body over the limit of ${MAX} bytes`);
  }
});

test('a declared length over the limit is refused before the signature is looked at', async () => {
  const over = padded(MAX + 1);
  const r = await send('POST', '/apps/app-id/events', { body: over });
  assert.equal(r.status, 413);
  assert.equal(errorOf(r), `Request body over the limit of ${MAX} bytes`);
});

test('a body must be a JSON object within maxJsonDepth; each refusal says which rule; an empty body reads as {}', async () => {
  const depth = server.config.maxJsonDepth;
  const cases: [string, string][] = [
    ['{"name":', 'Request body is not valid JSON'],
    ['[1]', 'Request body must be a JSON object'],
    ['"e"', 'Request body must be a JSON object'],
    ['null', 'Request body must be a JSON object'],
    [
      `{"name":"e","data":${'['.repeat(depth + 1)}${']'.repeat(depth + 1)}}`,
      `Request body nests deeper than ${depth} levels`,
    ],
    // {} reaches the trigger, which names what is missing.
    ['', 'Missing event name'],
  ];
  for (const [body, error] of cases) {
    const r = await send('POST', trigger(body), { body });
    assert.equal(r.status, 400, body);
    assert.equal(errorOf(r), error, body);
  }
});

test('a body in many chunks is checked against its body_md5 like a body in one', async () => {
  const body = padded(1000);
  for (const n of [1, 2, 3, 10]) {
    const good = await send('POST', trigger(body), { chunks: split(body, n), continued: true });
    assert.equal(good.status, 200, `${n} chunks: ${good.text}`);
    const other = padded(999);
    const bad = await send('POST', trigger(other), { chunks: split(body, n), continued: true });
    assert.equal(bad.status, 401, `${n} chunks`);
    assert.match(errorOf(bad), /body_md5/);
  }
});

/** A signed trigger that declares `declared` bytes of body and sends only `sent` of them. */
function stalled(declared: number, sent: number): Promise<Reply> {
  const body = padded(declared);
  return send('POST', trigger(body), {
    headers: { 'Content-Length': declared },
    chunks: [Buffer.from(body.slice(0, sent))],
    stall: true,
  });
}

test('a body that stalls gets 408 at the body deadline, given in seconds', async () => {
  const r = await within(stalled(200, 10), 10_000, 'the 408');
  assert.equal(r.status, 408);
  assert.equal(errorOf(r), 'Request body not received within 1 s');
});
