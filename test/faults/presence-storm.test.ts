/**
 * A presence storm (issue 11): hundreds of members join one channel in the same moment while two
 * pusher-js members watch and a load balancer probes /health. Nothing here measures time (the storm's
 * speed and probe delays are in `npm run bench -- presence-storm`); what must hold is:
 *
 * - every joiner's snapshot is complete and correct: itself, the watchers, count = ids = hash keys, and
 *   each member's user_info as it was signed;
 * - with its snapshot and the member_added frames after it, every joiner learns every member;
 * - the watchers (official pusher-js) get one member_added per joiner and end with every member;
 * - /health keeps answering 200 while the joins are still being delivered.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { channelStringToSign, signAuth } from '../../src/protocol/signatures.js';
import { connected, once, pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const JOINERS = 400;
const CHANNEL = 'presence-storm-room';
const WATCHERS = ['watcher-a', 'watcher-b'];
const TIMEOUT_MS = 90_000;

let server: TestServer;
const sockets: WebSocket[] = [];
const watchers: PusherJs[] = [];

before(async () => {
  server = await startHerald({
    apps: [
      { id: 'app-id', key: 'app-key', secret: 'app-secret', limits: { maxPresenceMembers: 1000 } as never },
    ],
  });
});

after(async () => {
  for (const w of watchers) w.disconnect();
  for (const s of sockets) s.terminate();
  await server.close();
});

const infoOf = (id: string) => ({ name: `name of ${id}`, quote: 'a "quoted" \\ value' });

interface Joiner {
  id: string;
  ws: WebSocket;
  socketId: string;
  snapshot: { ids: string[]; hash: Record<string, unknown>; count: number } | null;
  known: Set<string>;
  added: { user_id: string; user_info: unknown }[];
  errors: string[];
}

function open(id: string): Promise<Joiner> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/app/app-key?protocol=7&client=js&version=8.4.0`);
  sockets.push(ws);
  const j: Joiner = { id, ws, socketId: '', snapshot: null, known: new Set(), added: [], errors: [] };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id}: no connection_established`)), TIMEOUT_MS);
    ws.on('error', reject);
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { event: string; data: string };
      if (msg.event === 'pusher:connection_established') {
        j.socketId = (JSON.parse(msg.data) as { socket_id: string }).socket_id;
        clearTimeout(timer);
        resolve(j);
      } else if (msg.event === 'pusher_internal:subscription_succeeded') {
        j.snapshot = (JSON.parse(msg.data) as { presence: NonNullable<Joiner['snapshot']> }).presence;
        for (const m of j.snapshot.ids) j.known.add(m);
      } else if (msg.event === 'pusher_internal:member_added') {
        const m = JSON.parse(msg.data) as { user_id: string; user_info: unknown };
        j.added.push(m);
        j.known.add(m.user_id);
      } else {
        j.errors.push(data.toString());
      }
      progress();
    });
  });
}

let progress: () => void = () => undefined;

function health(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`http://127.0.0.1:${server.port}/health`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('/health did not answer')));
    req.on('error', reject);
    req.end();
  });
}

test(`${JOINERS} members joining at once: complete snapshots, every member_added, /health answering`, async () => {
  // Two official clients are in the room first and watch it fill.
  const seen = new Map<string, string[]>();
  for (const id of WATCHERS) {
    const w = pusherClient(server, { user: { id, info: infoOf(id) } });
    watchers.push(w);
    await connected(w);
    const channel = w.subscribe(CHANNEL);
    const added: string[] = [];
    seen.set(id, added);
    channel.bind('pusher:member_added', (m: { id: string; info: unknown }) => {
      assert.deepEqual(m.info, infoOf(m.id));
      added.push(m.id);
      progress();
    });
    await once(channel, 'pusher:subscription_succeeded', 10_000);
  }
  const all = [...WATCHERS, ...Array.from({ length: JOINERS }, (_, i) => `member-${i}`)];
  const joiners = await Promise.all(all.slice(WATCHERS.length).map(open));

  const stormOver = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('storm did not complete')), TIMEOUT_MS);
    progress = () => {
      const joinersDone = joiners.every((j) => j.snapshot && j.known.size === all.length);
      const watchersDone = WATCHERS.every((w) => seen.get(w)!.length >= JOINERS);
      if (joinersDone && watchersDone) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  let over = false;
  void stormOver.then(
    () => {
      over = true;
    },
    () => undefined,
  );

  for (const j of joiners) {
    const channelData = JSON.stringify({ user_id: j.id, user_info: infoOf(j.id) });
    const auth = signAuth('app-key', 'app-secret', channelStringToSign(j.socketId, CHANNEL, channelData));
    j.ws.send(
      JSON.stringify({
        event: 'pusher:subscribe',
        data: { channel: CHANNEL, auth, channel_data: channelData },
      }),
    );
  }
  // Probes one after the other for as long as the storm lasts; at least the first starts inside it.
  const probes: { status: number; duringStorm: boolean }[] = [];
  const probing = (async () => {
    do {
      const status = await health();
      probes.push({ status, duringStorm: !over });
    } while (!over);
  })();
  await stormOver;
  await probing;

  assert.ok(probes.length > 0 && probes.every((p) => p.status === 200), JSON.stringify(probes));
  assert.ok(
    probes.some((p) => p.duringStorm),
    'a probe was answered before the storm was over',
  );
  for (const j of joiners) {
    assert.deepEqual(j.errors, [], `${j.id} got no error`);
    const s = j.snapshot!;
    assert.equal(s.count, s.ids.length, `${j.id}: count matches ids`);
    assert.deepEqual(Object.keys(s.hash).sort(), [...s.ids].sort(), `${j.id}: hash keys are the ids`);
    assert.equal(new Set(s.ids).size, s.ids.length, `${j.id}: no id twice`);
    assert.ok(s.ids.includes(j.id), `${j.id} is in its own snapshot`);
    for (const w of WATCHERS) assert.ok(s.ids.includes(w), `${j.id} sees ${w}`);
    for (const id of s.ids) assert.deepEqual(s.hash[id], infoOf(id), `${j.id}: info of ${id}`);
    for (const m of j.added) {
      assert.notEqual(m.user_id, j.id, `${j.id} gets no member_added for itself`);
      assert.deepEqual(m.user_info, infoOf(m.user_id));
    }
    // Every member it did not get in its snapshot arrived as member_added.
    const missing = all.filter((id) => !s.ids.includes(id) && !j.added.some((m) => m.user_id === id));
    assert.deepEqual(missing, [], `${j.id} learnt of every member`);
  }
  for (const [i, w] of WATCHERS.entries()) {
    // A watcher also saw the watchers that came after it.
    const expected = all.slice(i + 1);
    const added = seen.get(w)!;
    assert.equal(added.length, expected.length, `${w}: one member_added per later member`);
    assert.deepEqual([...added].sort(), expected.sort());
    const channel = watchers[i]!.channel(CHANNEL) as unknown as { members: { count: number } };
    assert.equal(channel.members.count, all.length);
  }
  const res = await fetch(`http://127.0.0.1:${server.port}/health`);
  assert.equal(res.status, 200);
});
