/**
 * A presence join with the Redis adapter, whose member list is read from Redis (not the in-memory
 * encoded list): the joiner gets every member with its user_info, the others get member_added.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type PusherServer from 'pusher';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const prefix = uniquePrefix();
let server: TestServer;
let sdk: PusherServer;
const raws: RawClient[] = [];

before(async () => {
  server = await startHerald({ adapter: { driver: 'redis', redisUrl: REDIS_URL, prefix } });
  sdk = sdkFor(server);
});
after(async () => {
  for (const r of raws) r.close();
  await server.close();
  await deletePrefix(REDIS_URL, prefix);
});

test('the joiner is told every member from Redis; the members already there are told of the joiner', async () => {
  const ch = 'presence-redis';
  const [a, b] = [await RawClient.open(server), await RawClient.open(server)];
  raws.push(a, b);
  const first = await a.join(sdk, ch, { user_id: 'u1', user_info: { name: 'Ada' } });
  assert.deepEqual(first.payload, { presence: { ids: ['u1'], hash: { u1: { name: 'Ada' } }, count: 1 } });
  const second = await b.join(sdk, ch, { user_id: 'u2' });
  assert.deepEqual(second.payload, {
    presence: { ids: ['u1', 'u2'], hash: { u1: { name: 'Ada' }, u2: null }, count: 2 },
  });
  const added = await a.nextEvent('pusher_internal:member_added', ch);
  assert.deepEqual(added.payload, { user_id: 'u2' });
});
