/**
 * A presence join whose awaits do not resolve at once: Herald's Redis adapter goes through a TCP proxy
 * that holds Redis's answers, so a test can close the joiner mid-join or let two joins pass the member
 * limit's first check together. What the members already there see, and what the API answers after,
 * is asserted exactly (src/channels/subscribe.ts: the undo after the awaits, the `catch`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import { serverEvent } from '../helpers/clients.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../helpers/cluster.js';
import { errorOf, type Frame, RawClient } from '../helpers/raw-client.js';
import { sdkFor, sdkMarker } from '../helpers/sdk.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

const MAX = 2;
const prefix = uniquePrefix();
let proxy: TcpProxy;
let server: TestServer;
let sdk: PusherServer;
const raws: RawClient[] = [];

before(async () => {
  proxy = await TcpProxy.start(Number(new URL(REDIS_URL).port || 6379));
  server = await startHerald({
    adapter: { driver: 'redis', redisUrl: `redis://127.0.0.1:${proxy.port}`, prefix },
    apps: [{ ...TEST_APP, clientEvents: true, limits: { maxPresenceMembers: MAX } as never }],
  });
  sdk = sdkFor(server);
});
after(async () => {
  for (const r of raws) r.close();
  await server.close();
  await proxy.close();
  await deletePrefix(REDIS_URL, prefix);
});

async function open(): Promise<RawClient> {
  const c = await RawClient.open(server);
  raws.push(c);
  return c;
}

function sendJoin(c: RawClient, channel: string, userId: string): void {
  const auth = sdk.authorizeChannel(c.socketId, channel, { user_id: userId });
  c.send({ event: 'pusher:subscribe', data: { channel, ...auth } });
}

const isMemberFrame = (channel: string) => (f: Frame) =>
  f.channel === channel && f.event.startsWith('pusher_internal:member_');

/** The member_added/member_removed frames `c` got (and gets) before a marker triggered after now. */
async function memberFrames(c: RawClient, channel: string): Promise<{ event: string; payload: unknown }[]> {
  const frames = await c.receivedBefore(
    isMemberFrame(channel),
    (f) => f.event === 'marker' && f.channel === channel,
    sdkMarker(server, channel),
  );
  // Taken, so that a later `nextEvent` waits for a new one.
  for (const f of frames) {
    const i = c.frames.indexOf(f);
    if (i >= 0) c.frames.splice(i, 1);
  }
  return frames.map((f) => ({ event: f.event, payload: f.payload }));
}

async function users(channel: string): Promise<string[]> {
  const res = await sdk.get({ path: `/channels/${channel}/users` });
  return ((await res.json()) as { users: { id: string }[] }).users.map((u) => u.id).sort();
}

async function counts(channel: string): Promise<unknown> {
  const res = await sdk.get({
    path: `/channels/${channel}`,
    params: { info: 'subscription_count,user_count' },
  });
  const { subscription_count, user_count } = (await res.json()) as Record<string, unknown>;
  return { subscription_count, user_count };
}

/** Resolves once the server has read `n` more client messages. */
function messagesIn(n: number): Promise<void> {
  return waitFor(`${n} client messages`, (done) => {
    let seen = 0;
    const off = server.herald.events.on('message_in', () => {
      if (++seen < n) return;
      off();
      done(undefined);
    });
  });
}

const key = (channel: string, suffix: string) => `{${TEST_APP.id}:${channel}}:${suffix}\r\n`;

test('a join refused by the first limit check writes nothing, so the members are told nothing', async () => {
  const ch = 'presence-races-full';
  const [a, b, c] = [await open(), await open(), await open()];
  await a.join(sdk, ch, { user_id: 'a' });
  await b.join(sdk, ch, { user_id: 'b' });
  await a.nextEvent('pusher_internal:member_added', ch);
  const refused = await c.subscribe(ch, sdk.authorizeChannel(c.socketId, ch, { user_id: 'c' }) as never);
  assert.deepEqual(errorOf(refused), {
    code: null,
    message: `Presence channel ${ch} is full (${MAX} members)`,
  });
  assert.deepEqual(await memberFrames(a, ch), []);
  assert.deepEqual(await users(ch), ['a', 'b']);
});

test('two joins past the first check together: the one over the limit backs out and the members are told it left', async () => {
  const ch = 'presence-races-limit';
  const [a, b, c] = [await open(), await open(), await open()];
  await a.join(sdk, ch, { user_id: 'a' });
  // Both joins read the member count (1) before either adds: Redis's answers are held until both
  // asked (the client sends a command only once the previous batch is answered, so the second read
  // waits queued, and goes out before the first join's next step).
  const arrived = messagesIn(2);
  proxy.hold();
  sendJoin(b, ch, 'b');
  sendJoin(c, ch, 'c');
  await arrived;
  await a.assertServed(); // a message read after both: both joins are past the turn pacer
  proxy.release();

  const reply = (x: RawClient) =>
    x.next((f) => f.event === 'pusher:error' || f.event === 'pusher_internal:subscription_succeeded');
  const [rb, rc] = await Promise.all([reply(b), reply(c)]);
  const outcome = [rb, rc].map((f) => f.event).sort();
  assert.deepEqual(outcome, ['pusher:error', 'pusher_internal:subscription_succeeded']);
  const [winner, loser] = rb.event === 'pusher:error' ? (['c', 'b'] as const) : (['b', 'c'] as const);
  const [winnerClient, loserClient] = winner === 'b' ? [b, c] : [c, b];
  const refusal = rb.event === 'pusher:error' ? rb : rc;
  assert.deepEqual(errorOf(refusal), {
    code: null,
    message: `Presence channel ${ch} is full (${MAX} members)`,
  });

  // The loser was in Redis for a moment (a snapshot may have listed it): it is announced gone, never added.
  const seen = await memberFrames(a, ch);
  assert.deepEqual(
    seen.sort((x, y) => x.event.localeCompare(y.event)),
    [
      { event: 'pusher_internal:member_added', payload: { user_id: winner } },
      { event: 'pusher_internal:member_removed', payload: { user_id: loser } },
    ],
  );
  assert.deepEqual(await users(ch), ['a', winner].sort());
  assert.deepEqual(await counts(ch), { subscription_count: 2, user_count: 2 });

  // Its slot was released: a retry is refused for the limit, not as "Existing subscription".
  const retry = await loserClient.subscribe(
    ch,
    sdk.authorizeChannel(loserClient.socketId, ch, { user_id: loser }) as never,
  );
  assert.equal(errorOf(retry).message, `Presence channel ${ch} is full (${MAX} members)`);
  winnerClient.emit('pusher:unsubscribe', { channel: ch });
  await a.nextEvent('pusher_internal:member_removed', ch);
  await loserClient.join(sdk, ch, { user_id: loser });
  assert.deepEqual(await users(ch), ['a', loser].sort());
});

test('a joiner closing while its subscription is written is undone and announced gone, never added', async () => {
  const ch = 'presence-races-close-early';
  const [a, c] = [await open(), await open()];
  await a.join(sdk, ch, { user_id: 'a' });
  // Held from the subscribe script on (the first command naming the socket): the join has claimed its slot.
  const from = proxy.sentCount(c.socketId);
  proxy.holdWhenSent(c.socketId);
  sendJoin(c, ch, 'c');
  await proxy.sent(c.socketId, from);
  const closed = serverEvent(server, 'connection_closed', (e) => e.socketId === c.socketId);
  c.close();
  // The close's cleanup leaves the channel before the join adds the member (removing nothing).
  await closed;
  proxy.release();

  // The join's member landed after that cleanup: its own undo removes it and announces it.
  const removed = await a.nextEvent('pusher_internal:member_removed', ch);
  assert.deepEqual(removed.payload, { user_id: 'c' });
  assert.deepEqual(await memberFrames(a, ch), []);
  assert.equal(
    a.count((f) => f.event === 'pusher_internal:member_added' && f.channel === ch),
    0,
  );
  assert.deepEqual(await users(ch), ['a']);
  assert.deepEqual(await counts(ch), { subscription_count: 1, user_count: 1 });
});

test('a joiner closing once its member is written is announced gone exactly once, never added', async () => {
  const ch = 'presence-races-close-late';
  const [a, c] = [await open(), await open()];
  await a.join(sdk, ch, { user_id: 'a' });
  // Held from the member's add on (the only command naming the user id).
  const adds = proxy.sentCount('user-late');
  proxy.holdWhenSent('user-late');
  sendJoin(c, ch, 'user-late');
  await proxy.sent('user-late', adds);
  const from = proxy.sentCount(c.socketId);
  const closed = serverEvent(server, 'connection_closed', (e) => e.socketId === c.socketId);
  c.close();
  await closed; // the close's cleanup has started leaving the channel
  proxy.release();

  const removed = await a.nextEvent('pusher_internal:member_removed', ch);
  assert.deepEqual(removed.payload, { user_id: 'user-late' });
  // The close's cleanup and the join's undo both remove the member; only the one that found it
  // announces. Once all four calls are sent, an answer through Redis comes after anything announced.
  await proxy.sent(c.socketId, from, 4);
  await sdkMarker(server, 'races-sync')();
  assert.deepEqual(await memberFrames(a, ch), []);
  assert.equal(
    a.count((f) => f.event === 'pusher_internal:member_added' && f.channel === ch),
    0,
  );
  assert.deepEqual(await users(ch), ['a']);
  assert.deepEqual(await counts(ch), { subscription_count: 1, user_count: 1 });
});

test('a joiner closing while the member limit is read never takes its slot: the members are told nothing', async () => {
  const ch = 'presence-races-close-first';
  const [a, c, d] = [await open(), await open(), await open()];
  await a.join(sdk, ch, { user_id: 'a' });
  const reads = proxy.sentCount(key(ch, 'p'));
  proxy.holdWhenSent(key(ch, 'p')); // the member count the limit is checked against
  sendJoin(c, ch, 'c');
  await proxy.sent(key(ch, 'p'), reads);
  const closed = serverEvent(server, 'connection_closed', (e) => e.socketId === c.socketId);
  c.close();
  await closed;
  proxy.release();

  // Nothing answers "the join gave up", so a whole join and leave of another user, started after, is
  // the barrier: what the abandoned join would have written or announced goes first on the same Redis
  // connection (if not, only the frames below are missed; the listing still shows a member left behind).
  await d.join(sdk, ch, { user_id: 'd' });
  d.emit('pusher:unsubscribe', { channel: ch });
  await a.next(
    (f) =>
      f.event === 'pusher_internal:member_removed' &&
      f.channel === ch &&
      (f.payload as { user_id: string }).user_id === 'd',
  );
  assert.deepEqual(await memberFrames(a, ch), [
    { event: 'pusher_internal:member_added', payload: { user_id: 'd' } },
  ]);
  assert.deepEqual(await users(ch), ['a']);
  assert.deepEqual(await counts(ch), { subscription_count: 1, user_count: 1 });
});
