/**
 * RFC 6455 server frames as Herald builds them: the length in 7, 16 or 64 bits at each boundary, and a
 * frame assembled from UTF-8 pieces equal to one built from the whole text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareFrame, prepareFrameFromPieces, textFrame } from '../../src/transport/ws-frame.js';

/** Reads a server frame back: FIN+text first byte, no mask, the payload length as the header says. */
function parse(frame: Buffer): { header: number; length: number; payload: Buffer } {
  assert.equal(frame[0], 0x81, 'FIN and the text opcode');
  const b1 = frame[1]!;
  assert.equal(b1 & 0x80, 0, 'a server never masks');
  let header = 2;
  let length = b1 & 0x7f;
  if (length === 126) {
    length = frame.readUInt16BE(2);
    header = 4;
  } else if (length === 127) {
    length = frame.readUInt32BE(2) * 2 ** 32 + frame.readUInt32BE(6);
    header = 10;
  }
  return { header, length, payload: frame.subarray(header) };
}

test('the payload length takes 7 bits up to 125, 16 up to 65535, then 64', () => {
  for (const [len, header] of [
    [0, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
    [70000, 10],
  ] as const) {
    const payload = Buffer.alloc(len, 0x61);
    const frame = textFrame(payload);
    const parsed = parse(frame);
    assert.equal(parsed.header, header, `header for ${len}`);
    assert.equal(parsed.length, len);
    assert.equal(frame.length, header + len);
    assert.deepEqual(parsed.payload, payload);
  }
});

test('a prepared frame keeps its text and the UTF-8 bytes of it', () => {
  const text = '{"event":"é","data":"日本"}';
  const f = prepareFrame(text);
  assert.equal(f.text, text);
  assert.deepEqual(parse(f.bytes).payload, Buffer.from(text, 'utf8'));
  assert.equal(f.httpChunk, undefined);
});

test('a frame from pieces equals the frame of the joined text, and decodes its text when asked', () => {
  const pieces = ['{"event":"x","data":"', 'é'.repeat(40_000), '"}'].map((p) => Buffer.from(p, 'utf8'));
  const text = Buffer.concat(pieces).toString('utf8');
  const f = prepareFrameFromPieces(pieces);
  assert.deepEqual(f.bytes, prepareFrame(text).bytes);
  assert.equal(parse(f.bytes).header, 10, '80 KB of payload');
  assert.equal(f.text, text);
  assert.equal(f.text, f.text, 'decoded once, the same string after');
  assert.equal(prepareFrameFromPieces([]).bytes.length, 2);
  assert.equal(prepareFrameFromPieces([]).text, '');
});
