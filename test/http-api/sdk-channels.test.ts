/**
 * GET /channels, /channels/{name}, /channels/{name}/users (API-11..API-13) through the official
 * `pusher` SDK's `get`, against channels occupied by real pusher-js clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type PusherServer from 'pusher';
import { sdkFor, sdkStatus } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { type Client, connectClient } from './clients.js';

let server: TestServer;
let sdk: PusherServer;
const clients: Client[] = [];

before(async () => {
  server = await startHerald();
  sdk = sdkFor(server);
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server.close();
});

async function client(user?: { user_id: string; user_info?: Record<string, unknown> }): Promise<Client> {
  const c = await connectClient(server, sdk, user);
  clients.push(c);
  return c;
}

async function get(
  path: string,
  params: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const r = await sdkStatus(sdk.get({ path, params }));
  return { status: r.status, json: JSON.parse(r.body) };
}

/** Unsubscribes and resolves once the server has processed it. */
function unsubscribed(c: Client, channel: string): Promise<void> {
  return new Promise((resolve) => {
    const off = server.herald.events.on('unsubscribed', (e) => {
      if (e.channel === channel && e.socketId === c.socketId) {
        off();
        resolve();
      }
    });
    c.pusher.unsubscribe(channel);
  });
}

describe('GET /channels', () => {
  test('lists occupied channels, filtered by prefix, {} per channel without info', async () => {
    const a = await client();
    const b = await client();
    await a.subscribe('list-one');
    await b.subscribe('list-one');
    await a.subscribe('list-two');
    await a.subscribe('private-list-three');
    assert.deepEqual(await get('/channels', { filter_by_prefix: 'list-' }), {
      status: 200,
      json: { channels: { 'list-one': {}, 'list-two': {} } },
    });
    const all = await get('/channels');
    assert.equal(all.status, 200);
    const names = Object.keys((all.json as { channels: Record<string, unknown> }).channels);
    for (const n of ['list-one', 'list-two', 'private-list-three']) assert.ok(names.includes(n), n);
    assert.deepEqual(await get('/channels', { filter_by_prefix: 'private-list' }), {
      status: 200,
      json: { channels: { 'private-list-three': {} } },
    });
  });

  test('info=subscription_count gives each listed channel its count', async () => {
    const a = await client();
    const b = await client();
    await a.subscribe('count-a');
    await b.subscribe('count-a');
    await b.subscribe('count-b');
    assert.deepEqual(await get('/channels', { filter_by_prefix: 'count-', info: 'subscription_count' }), {
      status: 200,
      json: { channels: { 'count-a': { subscription_count: 2 }, 'count-b': { subscription_count: 1 } } },
    });
  });

  test('info=user_count with filter_by_prefix=presence- gives distinct users per presence channel', async () => {
    const u1 = await client({ user_id: 'ana' });
    const u1again = await client({ user_id: 'ana' });
    const u2 = await client({ user_id: 'bo' });
    for (const c of [u1, u1again, u2]) await c.subscribe('presence-list-room');
    await u2.subscribe('presence-list-side');
    assert.deepEqual(await get('/channels', { filter_by_prefix: 'presence-list-', info: 'user_count' }), {
      status: 200,
      json: {
        channels: { 'presence-list-room': { user_count: 2 }, 'presence-list-side': { user_count: 1 } },
      },
    });
  });

  test('info=user_count is refused with 400 unless the prefix limits the list to presence channels', async () => {
    const cases: Record<string, string>[] = [
      { info: 'user_count' },
      { info: 'user_count', filter_by_prefix: 'private-' },
      { info: 'subscription_count,user_count', filter_by_prefix: 'list-' },
    ];
    for (const params of cases) {
      const r = await get('/channels', params);
      assert.equal(r.status, 400, JSON.stringify(params));
      assert.match(String((r.json as { error: string }).error), /user_count/);
    }
    assert.equal((await get('/channels', { filter_by_prefix: 'list-' })).status, 200);
  });

  test('a channel drops out of the list once its last subscriber leaves', async () => {
    const a = await client();
    await a.subscribe('leaving-soon');
    assert.deepEqual((await get('/channels', { filter_by_prefix: 'leaving-' })).json, {
      channels: { 'leaving-soon': {} },
    });
    await unsubscribed(a, 'leaving-soon');
    assert.deepEqual((await get('/channels', { filter_by_prefix: 'leaving-' })).json, { channels: {} });
  });
});

describe('GET /channels/{name}', () => {
  test('occupied is always present: true with subscribers, false without', async () => {
    const a = await client();
    await a.subscribe('state-busy');
    assert.deepEqual(await get('/channels/state-busy'), { status: 200, json: { occupied: true } });
    assert.deepEqual(await get('/channels/state-idle'), { status: 200, json: { occupied: false } });
  });

  test('info=subscription_count on any channel; user_count too on a presence channel', async () => {
    const a = await client();
    const b = await client();
    await a.subscribe('state-counted');
    await b.subscribe('state-counted');
    assert.deepEqual(await get('/channels/state-counted', { info: 'subscription_count' }), {
      status: 200,
      json: { occupied: true, subscription_count: 2 },
    });
    const p1 = await client({ user_id: 'p1' });
    const p1b = await client({ user_id: 'p1' });
    const p2 = await client({ user_id: 'p2' });
    for (const c of [p1, p1b, p2]) await c.subscribe('presence-state');
    assert.deepEqual(await get('/channels/presence-state', { info: 'user_count,subscription_count' }), {
      status: 200,
      json: { occupied: true, user_count: 2, subscription_count: 3 },
    });
    assert.deepEqual(await get('/channels/presence-nobody', { info: 'user_count,subscription_count' }), {
      status: 200,
      json: { occupied: false, user_count: 0, subscription_count: 0 },
    });
  });

  test('info=user_count on a non-presence channel is refused with 400', async () => {
    for (const ch of ['state-counted', 'private-state', 'private-encrypted-state']) {
      assert.equal((await get(`/channels/${ch}`, { info: 'user_count' })).status, 400, ch);
    }
  });

  test('info=cache on a cache channel gives the last event data and its ttl, null when empty', async () => {
    assert.deepEqual(await get('/channels/cache-prices', { info: 'cache' }), {
      status: 200,
      json: { occupied: false, cache: null },
    });
    await sdk.trigger('cache-prices', 'price', { eur: 3 });
    const r = await get('/channels/cache-prices', { info: 'cache' });
    assert.equal(r.status, 200);
    const body = r.json as { occupied: boolean; cache: { data: string; ttl: number } };
    assert.equal(body.occupied, false);
    assert.equal(body.cache.data, '{"eur":3}');
    assert.ok(body.cache.ttl > 0 && body.cache.ttl <= server.config.cacheTtl, `ttl ${body.cache.ttl}`);
    // A new subscriber gets the cached event replayed.
    const c = await client();
    await c.subscribe('cache-prices');
    assert.deepEqual((await c.next('cache-prices', 'price')).data, { eur: 3 });
    assert.deepEqual(await get('/channels/state-busy', { info: 'cache' }), {
      status: 200,
      json: { occupied: true },
    });
  });

  test('an invalid channel name is refused with 400', async () => {
    for (const bad of ['bad%20name', 'colon:name', 'a'.repeat(201), '%23hash']) {
      assert.equal((await get(`/channels/${bad}`)).status, 400, bad);
    }
    assert.equal((await get('/channels/state-busy')).status, 200);
  });

  test('#server-to-user-{id} is a valid name when percent-encoded in the path', async () => {
    const r = await get(`/channels/${encodeURIComponent('#server-to-user-42')}`);
    assert.deepEqual(r, { status: 200, json: { occupied: false } });
  });
});

describe('GET /channels/{name}/users', () => {
  test('lists the distinct user ids of a presence channel', async () => {
    const a = await client({ user_id: 'amy', user_info: { role: 'admin' } });
    const a2 = await client({ user_id: 'amy', user_info: { role: 'admin' } });
    const b = await client({ user_id: '1001' });
    for (const c of [a, a2, b]) await c.subscribe('presence-users');
    const r = await get('/channels/presence-users/users');
    assert.equal(r.status, 200);
    const users = (r.json as { users: { id: string }[] }).users;
    assert.deepEqual(users.map((u) => u.id).sort(), ['1001', 'amy']);
    for (const u of users) assert.deepEqual(Object.keys(u), ['id']);
  });

  test('a user who left is no longer listed; an empty presence channel answers {"users":[]}', async () => {
    const a = await client({ user_id: 'temp' });
    await a.subscribe('presence-brief');
    assert.deepEqual((await get('/channels/presence-brief/users')).json, { users: [{ id: 'temp' }] });
    await unsubscribed(a, 'presence-brief');
    assert.deepEqual(await get('/channels/presence-brief/users'), { status: 200, json: { users: [] } });
  });

  test('a non-presence or invalid channel is refused with 400', async () => {
    for (const ch of ['public-users', 'private-users', 'private-encrypted-users', 'bad%20name']) {
      assert.equal((await get(`/channels/${ch}/users`)).status, 400, ch);
    }
    assert.equal((await get('/channels/presence-users/users')).status, 200);
  });
});
