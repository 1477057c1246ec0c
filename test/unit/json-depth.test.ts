/** nestsDeeperThan agrees with a reference depth count on valid JSON, and parseJson reports why it refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nestsDeeperThan, parseJson } from '../../src/protocol/json-depth.js';

function depthOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(depthOf));
}

/** Deterministic generator: a seeded LCG, so a failure names an input that can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = ['', 'a', '[', ']', '{', '}', '\\', '"', '\\"[', 'x\\\\', '[[{{"'];

function value(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth <= 0 || pick < 0.3) return STRINGS[Math.floor(r() * STRINGS.length)];
  if (pick < 0.4) return Math.floor(r() * 100);
  const n = Math.floor(r() * 4);
  if (pick < 0.7) return Array.from({ length: n }, () => value(r, depth - 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[STRINGS[Math.floor(r() * STRINGS.length)]! + i] = value(r, depth - 1);
  return o;
}

test('agrees with the depth of the parsed value, strings with brackets and escapes included', () => {
  const r = rng(11);
  for (let i = 0; i < 3000; i++) {
    const text = JSON.stringify(value(r, 1 + Math.floor(r() * 12)));
    const depth = depthOf(JSON.parse(text));
    for (const max of [0, 1, 2, depth - 1, depth, depth + 1]) {
      if (max < 0) continue;
      assert.equal(nestsDeeperThan(text, max), depth > max, `max ${max}, depth ${depth}: ${text}`);
    }
  }
});

test('a 20,000-deep array is refused as too deep, before JSON.parse', () => {
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  assert.deepEqual(parseJson(deep, 64), { ok: false, reason: 'depth' });
  assert.deepEqual(parseJson(`{"a":${deep}}`, 64), { ok: false, reason: 'depth' });
});

test('brackets inside strings do not count; escaped quotes do not end a string', () => {
  assert.equal(nestsDeeperThan(JSON.stringify({ s: '['.repeat(1000) }), 2), false);
  assert.equal(nestsDeeperThan(JSON.stringify({ s: `\\"${'['.repeat(100)}` }), 2), false);
  assert.equal(nestsDeeperThan(`{"s":"\\\\"${',[[[1]]]'}}`, 3), true);
});

test('malformed JSON is a syntax refusal, exactly at the limit is accepted', () => {
  assert.deepEqual(parseJson('{"a":', 64), { ok: false, reason: 'syntax' });
  assert.deepEqual(parseJson('"unterminated', 64), { ok: false, reason: 'syntax' });
  const atLimit = `${'['.repeat(64)}${']'.repeat(64)}`;
  assert.equal(parseJson(atLimit, 64).ok, true);
  assert.deepEqual(parseJson(`[${atLimit}]`, 64), { ok: false, reason: 'depth' });
});
