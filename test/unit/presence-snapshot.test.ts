/**
 * The pre-encoded member list must say exactly what encoding the members from scratch says: the same
 * frame text (member order is join order), whatever the ids and infos contain, through joins, leaves,
 * rejoins and info changes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemberSnapshot } from '../../src/channels/presence-snapshot.js';
import { encodePresenceSucceeded } from '../../src/protocol/messages.js';
import { textFrame } from '../../src/transport/ws-frame.js';

function fromScratch(channel: string, members: Map<string, unknown>): string {
  const ids = [...members.keys()];
  const hash: Record<string, unknown> = Object.create(null);
  for (const [id, info] of members) hash[id] = info ?? null;
  return encodePresenceSucceeded(channel, { ids, hash, count: ids.length });
}

function check(s: MemberSnapshot, model: Map<string, unknown>): void {
  const frame = s.subscriptionSucceeded();
  // Integer-like ids are ordered first by JSON.stringify of an object; compare parsed data for those.
  const expected = fromScratch(s.channel, model);
  const got = JSON.parse(frame.text) as { data: string };
  const want = JSON.parse(expected) as { data: string };
  assert.deepEqual(JSON.parse(got.data), JSON.parse(want.data));
  assert.deepEqual(Object.keys(JSON.parse(got.data).presence.hash), [...model.keys()]);
  assert.deepEqual(frame.bytes, textFrame(Buffer.from(frame.text)));
  assert.deepEqual(s.members(), new Map([...model].map(([k, v]) => [k, v])));
  assert.equal(s.size, model.size);
}

test('same frame as encoding from scratch, for awkward ids and infos', () => {
  const channel = 'presence-ünïcode "quoted"';
  const s = new MemberSnapshot(channel);
  const model = new Map<string, unknown>();
  const members: [string, unknown][] = [
    ['alice', { name: 'Alice' }],
    ['quote"and\\backslash', { bio: 'line\nbreak\ttab "q" \\ \u2028 \u0001' }],
    ['👋', undefined],
    ['__proto__', { polluted: true }],
    ['constructor', null],
    ['x'.repeat(128), ['a', 1, { b: [null] }]],
    ['bob', 'plain string info'],
  ];
  check(s, model);
  for (const [id, info] of members) {
    s.add(id, info);
    model.set(id, info);
    check(s, model);
  }
  const text = s.subscriptionSucceeded().text;
  assert.equal(text, fromScratch(channel, model), 'no integer-like ids: byte for byte the same');
});

test('leaves, rejoins and info changes keep join order and the latest info', () => {
  const s = new MemberSnapshot('presence-room');
  const model = new Map<string, unknown>();
  const add = (id: string, info: unknown) => {
    s.add(id, info);
    model.set(id, info);
    check(s, model);
  };
  const remove = (id: string) => {
    assert.equal(s.remove(id), model.delete(id));
    check(s, model);
  };
  for (let i = 0; i < 20; i++) add(`u${i}`, { i });
  remove('u0');
  remove('u10');
  remove('u10');
  add('u10', { back: true });
  add('u5', { changed: true });
  add('u5', { changed: true });
  for (let i = 0; i < 20; i++) remove(`u${i}`);
  add('last', undefined);
  assert.equal(s.size, 1);
});

test('joiners between two changes share one frame; a change makes a new one', () => {
  const s = new MemberSnapshot('presence-room');
  s.add('a', {});
  const first = s.subscriptionSucceeded();
  assert.equal(s.subscriptionSucceeded(), first);
  s.add('a', {});
  assert.equal(s.subscriptionSucceeded(), first, 'the same info again changes nothing');
  s.add('b', {});
  assert.notEqual(s.subscriptionSucceeded(), first);
  assert.equal(s.remove('nobody'), false);
});

test('integer-like ids: the same members, ids and count (key order of the hash may differ)', () => {
  const s = MemberSnapshot.of(
    'presence-n',
    new Map<string, unknown>([
      ['10', { n: 10 }],
      ['2', { n: 2 }],
      ['x', null],
    ]),
  );
  const data = JSON.parse((JSON.parse(s.subscriptionSucceeded().text) as { data: string }).data);
  assert.deepEqual(data, {
    presence: { ids: ['10', '2', 'x'], hash: { '10': { n: 10 }, '2': { n: 2 }, x: null }, count: 3 },
  });
});

test('a member bigger than twice the bytes held so far is kept whole', () => {
  const model = new Map<string, unknown>([
    ['big', { text: 'b'.repeat(2000) }],
    ['small', 1],
    ['bigger', { text: 'c'.repeat(9000) }],
  ]);
  const s = new MemberSnapshot('presence-room');
  for (const [id, info] of model) {
    s.add(id, info);
    check(s, new Map([...model].slice(0, s.size)));
  }
  assert.equal(s.subscriptionSucceeded().text, fromScratch('presence-room', model));
});
