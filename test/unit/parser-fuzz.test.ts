/**
 * parseClientMessage either returns a valid message or throws a HeraldError, whatever it is given:
 * a corpus of broken pusher:* frames, then seeded random mutations of valid frames.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeraldError } from '../../src/protocol/errors.js';
import { parseClientMessage } from '../../src/protocol/messages.js';

const VALID = [
  '{"event":"pusher:ping","data":{}}',
  '{"event":"pusher:subscribe","data":{"channel":"private-a","auth":"k:s","channel_data":"{\\"user_id\\":\\"1\\"}"}}',
  '{"event":"pusher:unsubscribe","data":{"channel":"a"}}',
  '{"event":"pusher:signin","data":{"auth":"k:s","user_data":"{\\"id\\":\\"1\\"}"}}',
  '{"event":"client-x","channel":"private-a","data":{"n":1}}',
];

const BROKEN = [
  '',
  ' ',
  'null',
  '[]',
  '"text"',
  '42',
  '{',
  '{"event":null}',
  '{"event":1}',
  '{"event":""}',
  '{"event":"pusher:subscribe"}',
  '{"event":"pusher:subscribe","data":null}',
  '{"event":"pusher:subscribe","data":"not json"}',
  '{"event":"pusher:subscribe","data":"[1,2]"}',
  '{"event":"pusher:subscribe","data":{"channel":5}}',
  '{"event":"pusher:subscribe","data":{"channel":"a","auth":{}}}',
  '{"event":"pusher:signin","data":{"auth":1,"user_data":2}}',
  '{"event":"client-x"}',
  '{"event":"client-x","channel":[]}',
  '{"event":"pusher_internal:member_added","data":"{}"}',
  '{"event":"my-event","channel":"a","data":"x"}',
  '{"__proto__":{"event":"pusher:ping"}}',
  `{"event":"pusher:subscribe","data":{"channel":"${'a'.repeat(100_000)}"}}`,
  '\u0000\u0001\u0002',
  '{"event":"pusher:ping","data":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}',
];

function check(text: string): void {
  try {
    const msg = parseClientMessage(text);
    assert.ok(typeof msg.type === 'string');
  } catch (err) {
    if (!(err instanceof HeraldError))
      throw new Error(`non-HeraldError for ${JSON.stringify(text.slice(0, 80))}: ${err}`);
    assert.equal(err.close, null, 'a parse error never closes the connection');
  }
}

test('every valid frame parses', () => {
  for (const text of VALID) assert.doesNotThrow(() => parseClientMessage(text), text);
});

test('the corpus of broken frames yields HeraldErrors that keep the connection open', () => {
  for (const text of BROKEN) check(text);
  assert.throws(() => parseClientMessage('{"event":"my-event","channel":"a","data":"x"}'), HeraldError);
  assert.throws(() => parseClientMessage('{"__proto__":{"event":"pusher:ping"}}'), HeraldError);
});

test('100k seeded mutations of valid frames never throw anything but HeraldError', () => {
  let seed = 0x5eed;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = '{}[]":,\\ -_abcpushr:0123456789\u00e9\u0000';
  let parsed = 0;
  for (let i = 0; i < 100_000; i++) {
    const chars = [...VALID[rand(VALID.length)]!];
    const edits = 1 + rand(4);
    for (let e = 0; e < edits; e++) {
      const at = rand(chars.length + 1);
      const op = rand(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
      else chars[at] = alphabet[rand(alphabet.length)]!;
    }
    const text = chars.join('');
    try {
      parseClientMessage(text);
      parsed++;
    } catch (err) {
      if (!(err instanceof HeraldError)) assert.fail(`non-HeraldError for ${JSON.stringify(text)}: ${err}`);
    }
  }
  assert.ok(parsed > 0 && parsed < 100_000, `some mutations parse, most do not (${parsed})`);
});
