/** The Redis wire format of envelopes: every kind round-trips, the frame text is carried untouched. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Envelope } from '../../src/adapters/adapter.js';
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
  { kind: 'channel', appId: 'a', channel: 'c', frame: '{}' },
  { kind: 'user', appId: 'a', userId: 'u=1@x', frame: '{"event":"e","data":"{}"}', except: '1.2' },
  { kind: 'terminate', appId: 'a', userId: 'u' },
  { kind: 'watchlist', appId: 'a', userId: 'u', online: true },
  { kind: 'watchlist', appId: 'a', userId: 'u', online: false },
];

test('every envelope kind round-trips with its publishing node', () => {
  for (const env of cases) {
    const text = encodeEnvelope('node-1', env);
    assert.deepEqual(decodeEnvelope(text), { nodeId: 'node-1', envelope: env });
  }
});

test('the frame is carried as is, after a single header line', () => {
  const env = cases[0] as Extract<Envelope, { kind: 'channel' }>;
  const text = encodeEnvelope('n', env);
  assert.equal(text.slice(text.indexOf('\n') + 1), env.frame);
  assert.equal(text.split('\n').length, 2, 'JSON frames never contain a raw newline');
});

test('foreign or broken messages are ignored, not thrown', () => {
  for (const bad of ['', 'hello', '{"n":"x"}', 'not json\n{}', '{"n":"x","k":"other","a":"a","t":"t"}\n{}']) {
    assert.equal(decodeEnvelope(bad), null, JSON.stringify(bad));
  }
});
