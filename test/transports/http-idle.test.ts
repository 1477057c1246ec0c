/**
 * 1,000 idle xhr_streaming sessions on one node: each costs a bounded amount of memory, heartbeats keep
 * every stream alive without it growing, and the node's own heap is measured after a full GC.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Stream, sendMessages } from '../helpers/http-session.js';
import { startHerald, type TestServer } from '../helpers/server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SESSIONS = 1000;
let server: TestServer;
const streams: Stream[] = [];

before(async () => {
  // These clients never answer heartbeats: a long pongTimeout keeps the liveness sweep from closing them.
  server = await startHerald({
    httpTransports: { heartbeatInterval: 1 },
    activityTimeout: 2,
    pongTimeout: 600,
  });
});

after(async () => {
  for (const s of streams) s.close();
  await server.close();
});

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test(`${SESSIONS} idle streaming sessions: bounded memory each, alive through heartbeats`, async () => {
  const before = heapAfterGc();
  for (let i = 0; i < SESSIONS; i += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, () => Stream.open(server.port)));
    await Promise.all(batch.map((s) => s.socketId(60_000)));
    streams.push(...batch);
  }
  // Each session subscribes to one channel, as an idle page would.
  await Promise.all(
    streams.map((s, i) =>
      sendMessages(server.port, s.id, [{ event: 'pusher:subscribe', data: { channel: `idle-${i % 10}` } }]),
    ),
  );
  await Promise.all(streams.map((s) => s.frame('pusher_internal:subscription_succeeded', 60_000)));
  assert.equal(server.herald.connectionCount, SESSIONS);
  // This process holds both ends (client sockets, parsers and line buffers too), so the figure is an
  // upper bound of what the node spends per session.
  const opened = heapAfterGc();
  const perSession = (opened - before) / SESSIONS;

  // Three heartbeat rounds later: every stream got heartbeats, none was closed, memory did not grow.
  const marks = streams.map((s) => s.lines.length);
  await Promise.all(
    streams.map((s, i) =>
      s.until('three heartbeats', () => s.lines.slice(marks[i]).filter((l) => l === 'h').length >= 3, 60_000),
    ),
  );
  assert.equal(server.herald.connectionCount, SESSIONS);
  // The lines the test kept are the client's, not the node's: drop them before measuring again.
  for (const s of streams) s.lines.length = 0;
  const later = heapAfterGc();
  const growth = (later - opened) / SESSIONS;
  console.log(
    `heap per idle session (both ends): ${(perSession / 1024).toFixed(1)} KB; growth over 3 heartbeats: ${(growth / 1024).toFixed(2)} KB`,
  );
  assert.ok(perSession < 48 * 1024, `${perSession} bytes per session`);
  assert.ok(growth < 2 * 1024, `${growth} bytes per session after heartbeats`);
});
