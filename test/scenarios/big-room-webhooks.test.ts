/**
 * A receiver author's view of a busy presence room: a burst of joins past `maxPresenceMembers`
 * produces one member_added per admitted user (none for the refused, none for second tabs), every
 * request is signed over its raw body with `Content-Type: application/json` and carries at most
 * batchSize events, and the room emptying sends one member_removed per user and one vacated.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sdk } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const LIMIT = 20;
const BATCH = 7;
let receiver: WebhookReceiver;
let server: TestServer;
const raws: RawClient[] = [];

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  server = await startHerald({
    webhooks: { batchSize: BATCH, batchWindowMs: 30, delayMs: 50, retryBaseMs: 50, retryMaxMs: 200 },
    apps: [
      {
        ...TEST_APP,
        limits: { maxPresenceMembers: LIMIT } as never,
        webhooks: [
          {
            url: receiver.url('/hooks'),
            events: ['member_added', 'member_removed', 'channel_occupied', 'channel_vacated'],
          },
        ],
      },
    ],
  });
});

after(async () => {
  for (const r of raws) r.close();
  await server.close();
  await receiver.close();
});

async function join1(channel: string, userId: string): Promise<{ raw: RawClient; ok: boolean }> {
  const raw = await RawClient.open(server.port);
  raws.push(raw);
  const auth = sdk(server.port).authorizeChannel(raw.socketId, channel, { user_id: userId });
  raw.emit('pusher:subscribe', { channel, ...auth });
  const f = await raw.next(
    (x) =>
      (x.event === 'pusher_internal:subscription_succeeded' && x.channel === channel) ||
      x.event === 'pusher:error',
  );
  return { raw, ok: f.event !== 'pusher:error' };
}

const events = (name: string) => receiver.acceptedEvents('/hooks').filter((e) => e.name === name);

test('a burst past the member limit: one member_added per admitted user, batched, signed, as JSON', async () => {
  const channel = 'presence-lobby';
  const ids = Array.from({ length: LIMIT + 5 }, (_, n) => `u${n}`);
  const results = await Promise.all(ids.map((id) => join1(channel, id)));
  const admitted = ids.filter((_, n) => results[n]!.ok);
  assert.equal(admitted.length, LIMIT);
  // A second tab of an admitted user is no new member and is let in although the room is full.
  assert.equal((await join1(channel, admitted[0]!)).ok, true);

  await receiver.waitFor('every member_added', () => events('member_added').length >= LIMIT);
  const added = events('member_added').map((e) => e.user_id!);
  assert.deepEqual([...added].sort(), [...admitted].sort(), 'exactly the admitted users, once each');
  assert.equal(events('channel_occupied').length, 1);

  for (const r of receiver.requests) {
    assert.equal(r.headers['content-type'], 'application/json');
    assert.ok(r.valid, 'signed over the raw body with the app secret');
    assert.ok(
      r.events.length >= 1 && r.events.length <= BATCH,
      `a request carried ${r.events.length} events`,
    );
    assert.ok(Math.abs(Date.now() - r.timeMs) < 60_000, 'time_ms is fresh');
  }

  // Everyone leaves: one member_removed per admitted user (the refused never were members), one vacated.
  for (const r of raws) r.close();
  await receiver.waitFor('vacated', () => events('channel_vacated').length >= 1);
  await receiver.waitFor('every member_removed', () => events('member_removed').length >= LIMIT);
  const removed = events('member_removed').map((e) => e.user_id!);
  assert.deepEqual([...removed].sort(), [...admitted].sort());
  assert.equal(events('member_added').length, LIMIT, 'no late member_added');
});
