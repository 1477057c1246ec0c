/**
 * A presence room whose member list is bigger than `maxSocketBufferBytes`: the joiner's one large
 * subscription_succeeded frame is not a slow consumer, so it must be delivered, not cut with 4100.
 * (With the defaults, 10,000 members of 1 KB each make a 10 MB snapshot against a 4 MB buffer; here
 * 80 members of 64 KB make 5 MB against 1 MB.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clientOptions, sdk } from '../helpers/cluster.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';

const MEMBERS = 80;
const INFO_BYTES = 64_000;
let server: TestServer;
const raws: RawClient[] = [];
const clients: PusherJs[] = [];

before(async () => {
  server = await startHerald({
    maxSocketBufferBytes: 1024 * 1024,
    maxFrameBytes: 256 * 1024,
    apps: [{ ...TEST_APP, limits: { maxPresenceUserInfoBytes: INFO_BYTES + 100 } as never }],
  });
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const r of raws) r.close();
  await server.close();
});

test('a snapshot larger than the socket buffer limit reaches raw and pusher-js joiners', async () => {
  const channel = 'presence-stadium';
  const bio = 'x'.repeat(INFO_BYTES - 20);
  // Members join 20 at a time; from about the 16th on, each joiner's snapshot is past the 1 MB bound.
  for (let n = 0; n < MEMBERS; n += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const raw = await RawClient.open(server.port);
        raws.push(raw);
        const closed = raw.closed.then(({ code }) => {
          throw new Error(`member m${n + k} was closed with ${code} while joining`);
        });
        await Promise.race([
          raw.join(sdk(server.port), channel, { user_id: `m${n + k}`, user_info: { bio } }),
          closed,
        ]);
        closed.catch(() => {});
      }),
    );
  }
  const late = await RawClient.open(server.port);
  raws.push(late);
  await late.join(sdk(server.port), channel, { user_id: 'late', user_info: { bio: 'short' } });
  const ok = late.log.find((f) => f.event === 'pusher_internal:subscription_succeeded')!;
  assert.equal((ok.payload as { presence: { count: number } }).presence.count, MEMBERS + 1);

  const c = new PusherJs(TEST_APP.key, clientOptions(server.port, { userId: 'pjs' }) as never);
  clients.push(c);
  const ch = c.subscribe(channel) as unknown as { members: { count: number }; bind: PusherJs['bind'] };
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no subscription; state ${c.connection.state}`)), 10_000);
    ch.bind('pusher:subscription_succeeded', () => {
      clearTimeout(t);
      resolve();
    });
  });
  assert.equal(ch.members.count, MEMBERS + 2);
  const got = new Promise((resolve) => ch.bind('hello', resolve));
  await sdk(server.port).trigger(channel, 'hello', { n: 1 });
  assert.deepEqual(await got, { n: 1 });
});

test('400 members: a watcher gets every member_added, a late joiner and the API see them all', async () => {
  const channel = 'presence-thousand';
  const watcher = new PusherJs(TEST_APP.key, clientOptions(server.port, { userId: 'watcher' }) as never);
  clients.push(watcher);
  const ch = watcher.subscribe(channel) as unknown as { members: { count: number }; bind: PusherJs['bind'] };
  await new Promise<void>((resolve) => ch.bind('pusher:subscription_succeeded', () => resolve()));
  const N = 400;
  let added = 0;
  const allAdded = new Promise<void>((resolve) =>
    ch.bind('pusher:member_added', () => {
      if (++added === N) resolve();
    }),
  );
  for (let n = 0; n < N; n += 100) {
    await Promise.all(
      Array.from({ length: 100 }, async (_, k) => {
        const raw = await RawClient.open(server.port);
        raws.push(raw);
        await raw.join(sdk(server.port), channel, { user_id: `t${n + k}`, user_info: { n: n + k } });
      }),
    );
  }
  await allAdded;
  assert.equal(ch.members.count, N + 1);

  const late = await RawClient.open(server.port);
  raws.push(late);
  await late.join(sdk(server.port), channel, { user_id: 'late' });
  const ok = late.log.find((f) => f.event === 'pusher_internal:subscription_succeeded')!;
  const presence = (
    ok.payload as { presence: { count: number; ids: string[]; hash: Record<string, unknown> } }
  ).presence;
  assert.equal(presence.count, N + 2);
  assert.equal(new Set(presence.ids).size, N + 2);
  assert.deepEqual(presence.hash['t399'], { n: 399 });

  const api = sdk(server.port);
  const info = (await (
    await api.get({ path: `/channels/${channel}`, params: { info: 'user_count' } })
  ).json()) as {
    user_count: number;
  };
  assert.equal(info.user_count, N + 2);
  const users = (await (await api.get({ path: `/channels/${channel}/users` })).json()) as {
    users: unknown[];
  };
  assert.equal(users.users.length, N + 2);
});
