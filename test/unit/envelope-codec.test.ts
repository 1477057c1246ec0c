/** The Redis wire format of envelopes: every kind round-trips, the frame text is carried untouched. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Envelope, Sealed } from '../../src/adapters/envelope.js';
import { decodeEnvelope, encodeEnvelope } from '../../src/adapters/redis/envelope-codec.js';
import { encodeChannelEvent } from '../../src/protocol/messages.js';

const cases: Envelope[] = [
  {
    kind: 'channel',
    appId: 'a:1{x}',
    channel: 'presence-room',
    frame: encodeChannelEvent('ev', 'presence-room', 'line1\nline2 "quoted" ✓ \u2028'),
    except: '123.456',
    source: 'api',
  },
  { kind: 'channel', appId: 'a', channel: 'c', frame: '{}', serial: 42 },
  {
    kind: 'member',
    appId: 'a',
    channel: 'presence-r',
    change: 'added',
    userId: 'u\n"1"',
    userInfo: { name: 'x\ny', n: [1, null] },
    version: 1_733_000_000_123,
    except: '1.2',
  },
  {
    kind: 'member',
    appId: 'a',
    channel: 'presence-r',
    change: 'removed',
    userId: 'u',
    version: 7,
    repair: true,
  },
  { kind: 'user', appId: 'a', userId: 'u=1@x', frame: '{"event":"e","data":"{}"}', except: '1.2' },
  { kind: 'terminate', appId: 'a', userId: 'u' },
  { kind: 'watchlist', appId: 'a', userId: 'u', online: true },
  { kind: 'watchlist', appId: 'a', userId: 'u', online: false },
];

test('every envelope kind round-trips with its origin and sequence number', () => {
  cases.forEach((env, i) => {
    const sealed: Sealed = { ...env, origin: 'node-1', seq: i + 1 };
    assert.deepEqual(decodeEnvelope(encodeEnvelope(sealed)), sealed);
  });
});

test('the frame is carried as is, after a single header line', () => {
  const env = cases[0] as Extract<Envelope, { kind: 'channel' }>;
  const text = encodeEnvelope({ ...env, origin: 'n', seq: 1 });
  assert.equal(text.slice(text.indexOf('\n') + 1), env.frame);
  assert.equal(text.split('\n').length, 2, 'JSON frames never contain a raw newline');
});

test('foreign or broken messages are ignored, not thrown', () => {
  for (const bad of [
    '',
    'hello',
    '{"n":"x"}',
    'not json\n{}',
    '{"n":"x","k":"channel","a":"a","t":"t"}\n{}',
    '{"o":"x","q":1,"k":"other","a":"a","t":"t"}\n{}',
  ]) {
    assert.equal(decodeEnvelope(bad), null, JSON.stringify(bad));
  }
});
