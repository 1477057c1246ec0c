/**
 * The edges of src/protocol that the spec vectors do not reach: length bounds of names and ids, what
 * each refusal says, auth values without a colon, duplicate keys in the signed query, unterminated
 * strings in the depth scan, and the default limits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelNameProblem, isValidUserId, serverToUserId } from '../../src/protocol/channel-names.js';
import { nestsDeeperThan, parseJson } from '../../src/protocol/json-depth.js';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.js';
import { canonicalQuery, hmacSha256Hex, verifyAuth } from '../../src/protocol/signatures.js';
import { isValidSocketId } from '../../src/protocol/socket-id.js';

test('user ids: the channel-name characters, 1 to maxLength long', () => {
  assert.equal(isValidUserId('a'.repeat(5), 5), true);
  assert.equal(isValidUserId('a'.repeat(6), 5), false);
  assert.equal(isValidUserId('a'.repeat(128)), true);
  assert.equal(isValidUserId('a'.repeat(129)), false);
  assert.equal(isValidUserId(''), false);
  assert.equal(isValidUserId('a b'), false);
});

test('each channel name refusal says what is wrong', () => {
  assert.equal(channelNameProblem('', 200), 'Channel name is missing');
  assert.equal(channelNameProblem(7, 200), 'Channel name is missing');
  const long = `${'a'.repeat(45)}b`;
  assert.equal(
    channelNameProblem(long, 45),
    `Channel name too long (max 45 characters): ${'a'.repeat(40)}...`,
  );
  assert.equal(channelNameProblem('a'.repeat(45), 45), null);
  assert.equal(channelNameProblem('a b', 200), 'Invalid channel name: a b');
  assert.equal(channelNameProblem('#server-to-user-a b', 200), 'Invalid channel name: #server-to-user-a b');
  assert.equal(serverToUserId('#server-to-user-42'), '42');
  assert.equal(serverToUserId('private-#server-to-user-42'), null);
  assert.equal(serverToUserId('x#server-to-user-'), null);
});

test('socket ids: strings of two decimal integers, at most 40 characters', () => {
  assert.equal(isValidSocketId(`${'1'.repeat(20)}.${'2'.repeat(19)}`), true);
  assert.equal(isValidSocketId(`${'1'.repeat(20)}.${'2'.repeat(20)}`), false);
  assert.equal(isValidSocketId(1.5), false);
  assert.equal(isValidSocketId(['1.2']), false);
  assert.equal(isValidSocketId(null), false);
});

test('an auth value without a colon never passes, even when the key equals the digest', () => {
  const s = '1.2:private-a';
  const digest = hmacSha256Hex('secret', s);
  assert.deepEqual(verifyAuth(digest, digest, 'secret', s), {
    ok: false,
    reason: 'signature',
    expected: digest,
  });
  assert.deepEqual(verifyAuth(`${digest}:${digest}`, digest, 'secret', s), { ok: true });
});

test('a key may hold colons: the digest is what follows the last one', () => {
  const s = '1.2:private-a';
  const digest = hmacSha256Hex('secret', s);
  assert.deepEqual(verifyAuth(`a:b:${digest}`, 'a:b', 'secret', s), { ok: true });
  assert.equal(verifyAuth(`a:${digest}`, 'a:b', 'secret', s).ok, false);
  // Nothing before the colon is no key, even for a key that looks like the whole value.
  const r = verifyAuth(':x', ':x', 'secret', s);
  assert.equal(!r.ok && r.reason, 'key');
});

test('the signed query sorts by key and keeps repeated keys in request order', () => {
  assert.equal(
    canonicalQuery([
      ['b', '1'],
      ['A', '2'],
      ['auth_signature', 'x'],
      ['c', '0'],
      ['a', '1'],
      ['a', '3'],
    ]),
    'a=2&a=1&a=3&b=1&c=0',
  );
});

test('the depth scan stops at an unterminated string: JSON.parse refuses it as syntax', () => {
  const text = `[[["${'['.repeat(10)}`;
  assert.equal(nestsDeeperThan(text, 5), false);
  assert.deepEqual(parseJson(text, 5), { ok: false, reason: 'syntax' });
  assert.equal(nestsDeeperThan(`["a","${'['.repeat(10)}`, 2), false);
});

test("default limits are Pusher's (docs/protocol-requirements.md#limits), presence members higher", () => {
  assert.deepEqual(
    { ...DEFAULT_LIMITS },
    {
      maxConnections: 0,
      maxEventPayloadBytes: 10_240,
      maxChannelNameLength: 200,
      maxEventNameLength: 200,
      maxChannelsPerEvent: 100,
      maxBatchSize: 10,
      maxPresenceMembers: 10_000,
      maxPresenceUserIdLength: 128,
      maxPresenceUserInfoBytes: 1024,
      maxClientEventsPerSecond: 10,
      maxWatchlistSize: 100,
      maxApiRequestsPerSecond: 0,
    },
  );
  assert.equal(Object.isFrozen(DEFAULT_LIMITS), true);
});
