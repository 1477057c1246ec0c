/**
 * The HTTP transports' framing: lines kept as HTTP/1.1 chunks and taken back out, one `a[…]` chunk per
 * frame whatever the number of recipients, the close line, and what an `xhr_send` body may be.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeraldError } from '../../src/protocol/errors.js';
import {
  chunked,
  closeLine,
  HEARTBEAT_CHUNK,
  messageChunk,
  OPEN_CHUNK,
  parseSendBody,
  unchunked,
} from '../../src/transport/http-frame.js';
import { prepareFrame } from '../../src/transport/ws-frame.js';

test('a line becomes one chunk, hex length first, and comes back out unchanged', () => {
  assert.equal(OPEN_CHUNK.toString('latin1'), '2\r\no\n\r\n');
  assert.equal(HEARTBEAT_CHUNK.toString('latin1'), '2\r\nh\n\r\n');
  const line = Buffer.from(`a${'é'.repeat(200)}\n`, 'utf8'); // 402 bytes: the length counts bytes, in hex
  const chunk = chunked(line);
  assert.equal(chunk.subarray(0, 5).toString('latin1'), '192\r\n');
  assert.equal(chunk.subarray(chunk.length - 2).toString('latin1'), '\r\n');
  assert.equal(chunk.length, 5 + 402 + 2);
  assert.deepEqual(unchunked(chunk), line);
  assert.deepEqual(unchunked(OPEN_CHUNK), Buffer.from('o\n'));
});

test('a frame is sent as a[<its JSON text as a string>], built once and shared', () => {
  const frame = prepareFrame('{"event":"e","data":"{\\"x\\":\\"é\\"}"}');
  const chunk = messageChunk(frame);
  assert.equal(unchunked(chunk).toString('utf8'), `a${JSON.stringify([frame.text])}\n`);
  assert.equal(messageChunk(frame), chunk, 'the second recipient reuses the first one’s chunk');
});

test('the close line carries the code and the reason as JSON', () => {
  assert.equal(closeLine(4009, 'bye "now"').toString('utf8'), 'c[4009,"bye \\"now\\""]\n');
});

test('an xhr_send body is a JSON array of strings, nothing else', () => {
  assert.deepEqual(parseSendBody(Buffer.from('[]')), []);
  assert.deepEqual(parseSendBody(Buffer.from('["a","{\\"event\\":\\"x\\"}"]')), ['a', '{"event":"x"}']);
  for (const body of ['', '{', '"a"', '{"a":"b"}', '[1]', '["a",null]', '[["a"]]', '[{"a":1}]']) {
    assert.throws(
      () => parseSendBody(Buffer.from(body)),
      (err: unknown) =>
        err instanceof HeraldError &&
        err.kind === 'badRequest' &&
        err.message === 'Body must be a JSON array of message strings',
      body,
    );
  }
});
