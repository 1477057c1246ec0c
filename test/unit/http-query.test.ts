/**
 * The hand-split request target must give exactly what `new URL()` + `URLSearchParams` (with keys
 * lowercased) give, since the signature is computed over that path and those parameters (API-03).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuery, parseTarget } from '../../src/http-api/query.js';
import { rng } from '../fuzz/generate.js';

function reference(url: string): { path: string; pairs: [string, string][] } {
  const u = new URL(url, 'http://localhost');
  return { path: u.pathname, pairs: [...u.searchParams].map(([k, v]) => [k.toLowerCase(), v]) };
}

const SIGNED =
  'auth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0' +
  '&body_md5=ec365a775a4cd0599faeb73354201b6f&auth_signature=da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c';

const TARGETS = [
  `/apps/3/events?${SIGNED}`,
  `/apps/3/channels/presence-room.1/users?${SIGNED}`,
  '/apps/3/channels?filter_by_prefix=presence-&info=user_count,subscription_count&AUTH_KEY=k&Auth_Timestamp=1',
  '/apps/3/events',
  '/apps/3/events?',
  '/apps/3/events?&&a=1&&b&c=&=d&e==f',
  '/apps/3/events?a=1&a=2',
  '/apps/3/events??a=%41&?b',
  '/apps/3/channels/private-encrypted-x?info=a%2Cb&name=x+y&q=%E2%9C%93',
  '/apps/3/channels/%70resence-x?a=1',
  '/apps/3/channels/caf%C3%A9?a=1',
  '/apps/3/../4/events?a=1',
  '/apps/3/./events?a=1',
  '/apps/3/channels/..?a=1',
  '/apps/3/channels/%2e%2e?a=1',
  '//apps/3/events?a=1',
  '/apps//3/events?a=1',
  '/apps/3/events?a=1#frag',
  '/apps/3/events#frag?a=1',
  "/apps/3/channels/a!$&'()*+,;=:@~b?x=!$'()*,;:@/?",
  '/apps/3/channels/a b?x=y z',
  '/apps/3/channels/ä?x=ü',
  '/apps/3/events?a="<>`{}',
  'http://example.com/apps/3/events?a=1',
  '*',
  '/',
];

test('parseTarget gives the path and parameters of new URL() + URLSearchParams', () => {
  for (const t of TARGETS) {
    const got = parseTarget(t);
    assert.deepEqual({ path: got.path, pairs: [...got.query] }, reference(t), t);
  }
});

test('get returns the first value of a lowercased key, or null', () => {
  const q = parseQuery('A=1&a=2&Auth_Key=k&empty=');
  assert.equal(q.get('a'), '1');
  assert.equal(q.get('auth_key'), 'k');
  assert.equal(q.get('Auth_Key'), null);
  assert.equal(q.get('empty'), '');
  assert.equal(q.get('missing'), null);
});

/**
 * Pieces that sit on either side of every character class and anchor of the fast path's patterns. No
 * spaces or control characters: Node's HTTP parser answers 400 to a target holding them.
 */
const PIECES = [
  ...'aZ09-._~!$&\'()*+,;=:@/?#%"<>`{}|\\^[]ä',
  '..',
  '//',
  '%41',
  '%2e',
  '%2E',
  '%20',
  '%',
  '%zz',
  '&&',
  '==',
  'A=',
  'a=1',
];
const STARTS = ['/', '/', '/', '/', '', '=', '?', '//', '/./', '/../', 'http://h', '*'];

test('random targets give the path and parameters of new URL() + URLSearchParams', () => {
  const random = rng(0x9e1d);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  for (let i = 0; i < 20_000; i++) {
    let t = pick(STARTS);
    const n = Math.floor(random() * 8);
    for (let j = 0; j < n; j++) t += pick(PIECES);
    let want: ReturnType<typeof reference>;
    try {
      want = reference(t);
    } catch {
      assert.throws(() => parseTarget(t), t);
      continue;
    }
    const got = parseTarget(t);
    assert.deepEqual({ path: got.path, pairs: [...got.query] }, want, JSON.stringify(t));
    // The query alone, as the signature check reads it, splits the same way.
    // (The constructor drops one leading `?`; a query string's own `?` is data.)
    const raw = t.slice(t.indexOf('?') + 1);
    assert.deepEqual(
      [...parseQuery(raw)],
      [...new URLSearchParams(`?${raw}`)].map(([k, v]) => [k.toLowerCase(), v]),
      JSON.stringify(raw),
    );
  }
});
