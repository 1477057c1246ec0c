/**
 * "Who is online" for a room bigger than Pusher's 100 members, on two Herald nodes sharing Redis:
 * raw sockets join in one burst spread over both nodes, pusher-js watchers see every member, the
 * HTTP API lists them all from either node, and `limits.maxPresenceMembers` refuses exactly the
 * joins past it, even when they all arrive at once on different nodes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  deletePrefix,
  pusherClient,
  REDIS_URL,
  STEADY_NODE_TIMEOUT,
  sdk,
  spawnNode,
  stop,
  subscribed,
  uniquePrefix,
} from '../helpers/cluster.js';
import type { HeraldProcess } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually, waitFor } from '../helpers/wait.js';

const LIMIT = 151;
const prefix = uniquePrefix();
const dir = mkdtempSync(join(tmpdir(), 'herald-bigpres-'));
let nodes: HeraldProcess[] = [];
const clients: PusherJs[] = [];
const raws: RawClient[] = [];

before(async () => {
  const config = join(dir, 'herald.json');
  writeFileSync(
    config,
    JSON.stringify({
      apps: [{ id: 'app-id', key: 'app-key', secret: 'app-secret', limits: { maxPresenceMembers: LIMIT } }],
    }),
  );
  nodes = await Promise.all(
    [0, 1].map(() =>
      spawnNode(REDIS_URL, prefix, { HERALD_CONFIG: config, HERALD_NODE_TIMEOUT: STEADY_NODE_TIMEOUT }),
    ),
  );
});

after(async () => {
  for (const c of clients) c.disconnect();
  for (const r of raws) r.close();
  await Promise.all(nodes.map((n) => stop(n)));
  await deletePrefix(REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
});

const port = (i: number) => nodes[i]!.port;

/** Joins `channel` as `userId` on node `i`; resolves with the outcome frame's event name. */
async function join1(i: number, channel: string, userId: string): Promise<{ raw: RawClient; ok: boolean }> {
  const raw = await RawClient.open(port(i));
  raws.push(raw);
  const auth = sdk(port(i)).authorizeChannel(raw.socketId, channel, {
    user_id: userId,
    user_info: { name: `n-${userId}` },
  });
  raw.emit('pusher:subscribe', { channel, ...auth });
  const f = await raw.next(
    (x) =>
      (x.event === 'pusher_internal:subscription_succeeded' && x.channel === channel) ||
      x.event === 'pusher:error',
  );
  return { raw, ok: f.event !== 'pusher:error' };
}

async function apiGet<T>(i: number, path: string, params: Record<string, string> = {}): Promise<T> {
  const res = await sdk(port(i)).get({ path, params });
  assert.equal(res.status, 200);
  return (await res.json()) as T;
}

test('150 members over two nodes: watchers, late joiners and the API see all of them', async () => {
  const channel = 'presence-big-room';
  const watcher = pusherClient(port(0), { userId: 'watcher', userInfo: { name: 'w' } });
  clients.push(watcher);
  const ch = await subscribed(watcher, channel);
  const ids = Array.from({ length: LIMIT - 1 }, (_, n) => `user-${n}`);
  const added = new Set<string>();
  const allAdded = waitFor('a member_added for every joiner', (done) =>
    ch.bind('pusher:member_added', (m: { id: string }) => {
      added.add(m.id);
      if (added.size === ids.length) done(undefined);
    }),
  );
  const results = await Promise.all(ids.map((id, n) => join1(n % 2, channel, id)));
  assert.equal(results.filter((r) => !r.ok).length, 0, 'every join under the limit succeeds');

  await allAdded;
  const members = ch.members;
  assert.equal(members.count, LIMIT);

  // A late pusher-js joiner on the other node gets the whole room in its subscription_succeeded.
  const late = pusherClient(port(1), { userId: 'user-0', userInfo: { name: 'n-user-0' } });
  clients.push(late);
  const lateCh = await subscribed(late, channel);
  const lateMembers = (
    lateCh as unknown as {
      members: { count: number; each(f: (m: { id: string; info: unknown }) => void): void };
    }
  ).members;
  assert.equal(lateMembers.count, LIMIT, 'a second tab of user-0 is not a new member');
  const seen = new Map<string, unknown>();
  lateMembers.each((m) => seen.set(m.id, m.info));
  assert.deepEqual(seen.get('user-149'), { name: 'n-user-149' });
  assert.deepEqual(seen.get('watcher'), { name: 'w' });

  for (const i of [0, 1]) {
    const info = await apiGet<{ occupied: boolean; user_count: number }>(i, `/channels/${channel}`, {
      info: 'user_count',
    });
    assert.equal(info.user_count, LIMIT);
    const users = await apiGet<{ users: { id: string }[] }>(i, `/channels/${channel}/users`);
    assert.deepEqual(users.users.map((u) => u.id).sort(), [...ids, 'watcher'].sort());
    const list = await apiGet<{ channels: Record<string, { user_count: number }> }>(i, '/channels', {
      filter_by_prefix: 'presence-',
      info: 'user_count',
    });
    assert.equal(list.channels[channel]?.user_count, LIMIT);
  }

  // Full now: a new user is refused on either node; the room keeps working.
  const refused = await join1(1, channel, 'one-too-many');
  assert.equal(refused.ok, false);
  const err = refused.raw.log.find((f) => f.event === 'pusher:error')!;
  assert.equal((err.payload as { code: unknown }).code, null);
  const again = await join1(0, channel, 'user-7');
  assert.equal(again.ok, true, 'an existing member may open another connection');

  const got = waitFor('event', (done) => ch.bind('ping', done));
  await sdk(port(1)).trigger(channel, 'ping', { n: 1 });
  assert.deepEqual(await got, { n: 1 });
  assert.equal(members.count, LIMIT);
  assert.ok(!added.has('one-too-many'));
});

test('a burst of joins past the limit, spread over two nodes, admits exactly the limit', async () => {
  const channel = 'presence-burst';
  const ids = Array.from({ length: LIMIT + 19 }, (_, n) => `burst-${n}`);
  const results = await Promise.all(ids.map((id, n) => join1(n % 2, channel, id)));
  const admitted = results.filter((r) => r.ok).length;
  const users = await apiGet<{ users: { id: string }[] }>(0, `/channels/${channel}/users`);
  assert.equal(users.users.length, admitted, 'the API lists exactly the admitted');
  assert.equal(admitted, LIMIT, `admitted ${admitted} of ${ids.length} with a limit of ${LIMIT}`);
  // Every admitted client's view (its snapshot, then member_added/removed) converges on the room:
  // a refused join that was briefly in someone's snapshot is announced as gone.
  const expected = users.users.map((u) => u.id).sort();
  const view = (r: RawClient) => {
    const ids = new Set<string>();
    for (const f of r.log) {
      if (f.channel !== channel) continue;
      const d = f.payload as { presence?: { ids: string[] }; user_id?: string };
      if (f.event === 'pusher_internal:subscription_succeeded') for (const id of d.presence!.ids) ids.add(id);
      if (f.event === 'pusher_internal:member_added') ids.add(d.user_id!);
      if (f.event === 'pusher_internal:member_removed') ids.delete(d.user_id!);
    }
    return [...ids].sort();
  };
  await eventually('every member view matches the API', async () => {
    for (const r of results.filter((x) => x.ok)) assert.deepEqual(view(r.raw), expected);
  });
  // Refused joins are told with a non-closing error and the socket keeps serving.
  const refused = results.find((r) => !r.ok)!;
  await refused.raw.join(sdk(port(0)), 'public-after-refusal');
});

test('users joining with two tabs on two nodes at the same instant are announced once each', async () => {
  const channel = 'presence-twin-tabs';
  const watcher = pusherClient(port(0), { userId: 'watcher2' });
  clients.push(watcher);
  const ch = await subscribed(watcher, channel);
  const added: string[] = [];
  const removed: string[] = [];
  ch.bind('pusher:member_added', (m: { id: string }) => added.push(m.id));
  ch.bind('pusher:member_removed', (m: { id: string }) => removed.push(m.id));
  const users = Array.from({ length: 30 }, (_, n) => `twin-${n}`);
  const tabs = await Promise.all(users.flatMap((id) => [join1(0, channel, id), join1(1, channel, id)]));
  assert.ok(tabs.every((t) => t.ok));
  const marker = () => waitFor('marker', (done) => ch.bind('marker', done));
  let seen = marker();
  await sdk(port(1)).trigger(channel, 'marker', {});
  await seen;
  assert.deepEqual([...added].sort(), [...users].sort(), 'one member_added per user');
  assert.equal(ch.members.count, users.length + 1);

  for (const t of tabs) t.raw.close();
  await eventually('everyone gone', async () => assert.ok(removed.length >= users.length));
  seen = marker();
  await sdk(port(0)).trigger(channel, 'marker', {});
  await seen;
  assert.deepEqual([...removed].sort(), [...users].sort(), 'one member_removed per user');
  assert.equal(ch.members.count, 1);
});
