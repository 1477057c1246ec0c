/**
 * The three inbound thresholds all follow maxFrameBytes (src/connections/frame-limits.ts): over it a
 * non-closing pusher:error, over 4× it close 1009, more than 4×/64 fragments close 1008. Checked at a
 * small maxFrameBytes so the boundaries are cheap to cross; a bystander is served throughout.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { frameLimits } from '../../src/connections/frame-limits.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const MAX_FRAME = 4096;
const { maxPayload, maxFragments } = frameLimits(MAX_FRAME);
let server: TestServer;
let bystander: RawClient;

before(async () => {
  server = await startHerald({ maxFrameBytes: MAX_FRAME });
  bystander = await RawClient.open(server);
});
after(async () => {
  bystander.close();
  await server.close();
});

/** A pusher:ping padded to exactly `bytes` bytes. */
const ping = (bytes: number) => {
  const head = '{"event":"pusher:ping","data":"';
  return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
};

test('the limits scale with maxFrameBytes', () => {
  assert.deepEqual(frameLimits(MAX_FRAME), { maxPayload: 4 * MAX_FRAME, maxFragments: (4 * MAX_FRAME) / 64 });
  assert.deepEqual(frameLimits(32 * 1024), { maxPayload: 128 * 1024, maxFragments: 2048 });
});

test('just over maxFrameBytes and up to 4× it: a non-closing pusher:error', async () => {
  const c = await RawClient.open(server);
  for (const size of [MAX_FRAME + 1, maxPayload]) {
    c.send(ping(size));
    const f = await c.nextEvent('pusher:error');
    assert.match((f.data as { message: string }).message, new RegExp(`limit is ${MAX_FRAME} bytes`));
  }
  await c.assertServed();
  c.close();
});

test('one byte over 4× maxFrameBytes: close 1009', async () => {
  const c = await RawClient.open(server);
  c.send(ping(maxPayload + 1));
  assert.equal((await c.closed).code, 1009);
  await bystander.assertServed();
});

/** Sends `text` split into `parts` fragments. */
function fragmented(c: RawClient, text: string, parts: number): void {
  const size = Math.ceil(text.length / parts);
  for (let i = 0; i < parts; i++) {
    const piece = text.slice(i * size, (i + 1) * size);
    c.ws.send(piece, { fin: i === parts - 1 });
  }
}

test(`a message in ${maxFragments} fragments is handled; in ${maxFragments + 1}: close 1008`, async () => {
  const ok = await RawClient.open(server);
  const text = '{"event":"pusher:ping","data":{}}'.padEnd(maxFragments, ' ');
  fragmented(ok, text, maxFragments);
  await ok.nextEvent('pusher:pong');
  ok.close();

  const bad = await RawClient.open(server);
  const longer = '{"event":"pusher:ping","data":{}}'.padEnd(maxFragments + 1, ' ');
  fragmented(bad, longer, maxFragments + 1);
  assert.equal((await bad.closed).code, 1008);
  await bystander.assertServed();
});
