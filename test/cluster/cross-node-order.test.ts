/**
 * Events from one node reach another node in the order they were published (docs/architecture.md):
 * a member joins on node A and at once sends a client event; an observer on node B must see
 * member_added before that event, every time. Two Herald processes on the real Redis, pusher-js on
 * both sides, 1,000 trials over the same connections (one join and one leave per trial).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  deletePrefix,
  KEY,
  pusherClient,
  REDIS_URL,
  SECRET,
  STEADY_NODE_TIMEOUT,
  spawnNode,
  stop,
  uniquePrefix,
} from '../helpers/cluster.js';
import type { HeraldProcess } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { waitFor } from '../helpers/wait.js';

const TRIALS = 1000;
const ROOM = 'presence-order';
const prefix = uniquePrefix();
// The joiner sends one client event per trial, far above the default 10 per second per connection.
const app = {
  id: 'app-id',
  key: KEY,
  secret: SECRET,
  clientEvents: true,
  limits: { maxClientEventsPerSecond: 100_000 },
};
const env = { HERALD_NODE_TIMEOUT: STEADY_NODE_TIMEOUT, HERALD_APPS: JSON.stringify([app]) };
let a: HeraldProcess;
let b: HeraldProcess;
const clients: PusherJs[] = [];

before(async () => {
  [a, b] = await Promise.all([spawnNode(REDIS_URL, prefix, env), spawnNode(REDIS_URL, prefix, env)]);
});
after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([stop(a), stop(b)]);
  await deletePrefix(REDIS_URL, prefix);
});

type Channel = ReturnType<PusherJs['subscribe']>;
const subscribed = (ch: Channel) =>
  waitFor<void>(`subscribed to ${ch.name}`, (done) => ch.bind('pusher:subscription_succeeded', () => done()));

test(`${TRIALS} joins on node A each followed by a client event: node B sees member_added first`, async () => {
  // What node B's observer saw, in order: "+u7" for member_added, "e7" for the client event.
  const seen: string[] = [];
  let next: (() => void) | null = null;
  const observer = pusherClient(b.port, { userId: 'observer' });
  clients.push(observer);
  const watch = observer.subscribe(ROOM);
  watch.bind('pusher:member_added', (m: { id: string }) => seen.push(`+${m.id}`));
  watch.bind('client-hello', (data: { trial: number }) => {
    seen.push(`e${data.trial}`);
    next?.();
  });
  await subscribed(watch);

  // One joiner connection on node A; each trial joins as a new user, so each join is a first join.
  const who = { userId: 'u0' };
  const joiner = pusherClient(a.port, who);
  clients.push(joiner);

  for (let trial = 0; trial < TRIALS; trial++) {
    who.userId = `u${trial}`;
    const room = joiner.subscribe(ROOM);
    await subscribed(room);
    const arrived = waitFor<void>(`client event ${trial} on node B`, (done) => {
      next = done;
    });
    room.trigger('client-hello', { trial });
    await arrived;
    joiner.unsubscribe(ROOM);
    room.unbind_all();
  }

  const inversions: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const joined = seen.indexOf(`+u${trial}`);
    const event = seen.indexOf(`e${trial}`);
    if (event < 0 || joined < 0 || joined > event) inversions.push(trial);
  }
  assert.deepEqual(inversions, [], `trials where B saw the client event before member_added (of ${TRIALS})`);
});
