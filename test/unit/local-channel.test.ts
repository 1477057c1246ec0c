/**
 * One channel as a node holds it: when it is idle, a presence user's sockets (first and last), the
 * latest user_info, join order, and the encoded member list kept in step once it was asked for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalChannel } from '../../src/channels/local-channel.js';
import { testConnection } from '../helpers/connection.js';
import { testConfig } from '../helpers/server.js';

const app = testConfig().apps[0]!;

/** The member hash a joiner is sent, parsed from the encoded frame. */
function sentMembers(ch: LocalChannel): { ids: string[]; hash: Record<string, unknown>; count: number } {
  const frame = JSON.parse(ch.snapshot().subscriptionSucceeded().text) as { data: string };
  return (
    JSON.parse(frame.data) as { presence: { ids: string[]; hash: Record<string, unknown>; count: number } }
  ).presence;
}

test('idle only with no socket, no user and no subscriber', () => {
  const ch = new LocalChannel('presence-p');
  assert.equal(ch.idle, true);
  ch.sockets.add('s1');
  assert.equal(ch.idle, false, 'a socket');
  ch.sockets.clear();
  ch.addMember('s1', 'u', null);
  assert.equal(ch.idle, false, 'a user');
  ch.removeMember('s1', 'u');
  assert.equal(ch.idle, true);
  const conn = testConnection(app, '1.1');
  ch.subscribers.add(conn);
  assert.equal(ch.idle, false, 'a subscriber');
  ch.subscribers.delete(conn);
  assert.equal(ch.idle, true);
});

test("a user's first socket adds it, its last removes it; the latest user_info wins; join order kept", () => {
  const ch = new LocalChannel('presence-p');
  assert.equal(ch.addMember('s1', 'u1', { v: 1 }), true);
  assert.equal(ch.addMember('s2', 'u2', 'two'), true);
  assert.equal(ch.addMember('s3', 'u1', { v: 3 }), false, 'a second socket of u1');
  assert.deepEqual([...ch.users.get('u1')!.sockets], ['s1', 's3']);
  assert.deepEqual(
    ch.members(),
    new Map<string, unknown>([
      ['u1', { v: 3 }],
      ['u2', 'two'],
    ]),
  );

  assert.equal(ch.removeMember('s9', 'u1'), false, 'a socket u1 never had');
  assert.equal(ch.removeMember('s1', 'nobody'), false);
  assert.equal(ch.removeMember('s1', 'u1'), false, 'u1 keeps s3');
  assert.equal(ch.removeMember('s1', 'u1'), false, 'once');
  assert.deepEqual([...ch.members().keys()], ['u1', 'u2']);
  assert.equal(ch.removeMember('s3', 'u1'), true, 'its last socket');
  assert.deepEqual(ch.members(), new Map([['u2', 'two']]));
  assert.equal(ch.users.has('u1'), false);
  assert.equal(ch.removeMember('s3', 'u1'), false);
});

test('the encoded member list: built from the users once asked for, then changed with each join and leave', () => {
  const ch = new LocalChannel('presence-p');
  ch.addMember('s1', 'u1', { v: 1 });
  ch.addMember('s2', 'u2', undefined);
  const snapshot = ch.snapshot();
  assert.equal(ch.snapshot(), snapshot, 'built once');
  assert.deepEqual(sentMembers(ch), { ids: ['u1', 'u2'], hash: { u1: { v: 1 }, u2: null }, count: 2 });

  ch.addMember('s3', 'u3', 3);
  ch.addMember('s4', 'u1', { v: 4 });
  assert.deepEqual(sentMembers(ch), {
    ids: ['u1', 'u2', 'u3'],
    hash: { u1: { v: 4 }, u2: null, u3: 3 },
    count: 3,
  });
  ch.removeMember('s2', 'u2');
  ch.removeMember('s1', 'u1');
  assert.deepEqual(
    sentMembers(ch),
    { ids: ['u1', 'u3'], hash: { u1: { v: 4 }, u3: 3 }, count: 2 },
    'u1 keeps s4',
  );
  ch.removeMember('s4', 'u1');
  assert.deepEqual(sentMembers(ch), { ids: ['u3'], hash: { u3: 3 }, count: 1 });
  assert.equal(ch.snapshot(), snapshot);
});

test('the member view: none until asked for, then the same one', () => {
  const ch = new LocalChannel('presence-p');
  assert.equal(ch.view, null);
  const view = ch.memberView();
  assert.notEqual(view, null);
  assert.equal(ch.view, view);
  assert.equal(ch.memberView(), view);
});
