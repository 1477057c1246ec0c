/**
 * The per-turn frame trie behind the flush: sockets sent the same frames in the same order share one
 * joined buffer; a different frame or order gets its own; one frame is sent as it is, with no copy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chainStats, FrameChain } from '../../src/transport/frame-chain.js';
import { prepareFrame } from '../../src/transport/ws-frame.js';

test('same frames, same order: one join shared; other orders and branches get their own bytes', async () => {
  const [a, b, c] = ['{"event":"a"}', '{"event":"b"}', '{"event":"c"}'].map(prepareFrame) as [
    ReturnType<typeof prepareFrame>,
    ReturnType<typeof prepareFrame>,
    ReturnType<typeof prepareFrame>,
  ];
  const joinsBefore = chainStats.joins;
  const sockets = Array.from({ length: 100 }, () => FrameChain.start(a).append(b).append(c));
  const buffers = new Set(sockets.map((s) => s.bytes()));
  assert.equal(buffers.size, 1, 'one buffer for all 100');
  assert.equal(chainStats.joins - joinsBefore, 1, 'joined once');
  assert.deepEqual([...buffers][0], Buffer.concat([a.bytes, b.bytes, c.bytes]));

  const other = FrameChain.start(b).append(a);
  assert.deepEqual(other.bytes(), Buffer.concat([b.bytes, a.bytes]));
  const branch = FrameChain.start(a).append(c);
  assert.deepEqual(branch.bytes(), Buffer.concat([a.bytes, c.bytes]));
  assert.equal(FrameChain.start(a).bytes(), a.bytes, 'a single frame is not copied');

  // The next turn starts a new trie; the old nodes still give their bytes.
  await new Promise((r) => setImmediate(r));
  const next = FrameChain.start(a).append(b).append(c);
  assert.notEqual(next, sockets[0]);
  assert.deepEqual(next.bytes(), sockets[0]!.bytes());
});

test('branches share too: a second frame after the same first gets its own node, reused by the next socket', () => {
  const [a, b, c] = ['{"event":"a"}', '{"event":"b"}', '{"event":"c"}'].map(prepareFrame) as [
    ReturnType<typeof prepareFrame>,
    ReturnType<typeof prepareFrame>,
    ReturnType<typeof prepareFrame>,
  ];
  const joins = chainStats.joins;
  const joinedBytes = chainStats.joinedBytes;
  const ab = FrameChain.start(a).append(b);
  const ac = FrameChain.start(a).append(c);
  const ab2 = FrameChain.start(a).append(b);
  const ac2 = FrameChain.start(a).append(c);
  assert.equal(ab2, ab, 'the first branch is still found after a second one was added');
  assert.equal(ac2, ac, 'the second branch is found again');
  assert.equal(ab.bytes(), ab2.bytes());
  assert.deepEqual(ac.bytes(), Buffer.concat([a.bytes, c.bytes]));
  assert.equal(chainStats.joins - joins, 2);
  assert.equal(chainStats.joinedBytes - joinedBytes, ab.bytes().length + ac.bytes().length);
});
