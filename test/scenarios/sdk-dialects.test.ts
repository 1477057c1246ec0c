/**
 * HTTP API requests the way the other official SDKs build them (PHP/Guzzle, Python/requests, Go,
 * Ruby), signed here from the spec with node:crypto rather than Herald's own helpers, with a pusher-js
 * subscriber on the other end. Channel names use every punctuation mark Pusher allows, in the path
 * both as sent raw and fully percent-encoded.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { pusherClient } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { Inbox, record } from './inbox.js';

let server: TestServer;
let js: PusherJs;
const inbox = new Inbox();
const PUNCT = 'presence-room_a-b=c@d,e.f;g';
const PLAIN = 'news=1@x,y.z;w';

before(async () => {
  server = await startHerald();
  js = pusherClient(server, { user: { id: 'watcher' } });
  for (const ch of [PUNCT, PLAIN]) record(js, ch, inbox, ['pusher:subscription_succeeded', 'dialect']);
  for (const ch of [PUNCT, PLAIN]) await inbox.event(ch, 'pusher:subscription_succeeded');
});
after(async () => {
  js.disconnect();
  await server.close();
});

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const now = () => String(Math.floor(Date.now() / 1000));

interface Dialect {
  /** Encodes one query value as that SDK's HTTP stack puts it on the wire. */
  encode: (v: string) => string;
  /** body_md5 on GET too (Python). */
  md5OnGet: boolean;
}

const DIALECTS: Record<string, Dialect> = {
  // Guzzle / http_build_query: RFC 3986 percent-encoding, commas as %2C.
  php: { encode: (v) => encodeURIComponent(v), md5OnGet: false },
  // requests/urlencode: like PHP, and body_md5 of the empty body on every GET.
  python: { encode: (v) => encodeURIComponent(v).replace(/%20/g, '+'), md5OnGet: true },
  // url.Values.Encode: QueryEscape, sorted keys.
  go: { encode: (v) => encodeURIComponent(v), md5OnGet: false },
  // Ruby's SDK hands a hash to its HTTP client: values sent as they are for this character set.
  ruby: { encode: (v) => v, md5OnGet: false },
};

/** Signs per API-03 (lowercased keys, sorted, unescaped values) and sends with the dialect's escaping. */
async function call(
  d: Dialect,
  method: 'GET' | 'POST',
  signedPath: string,
  sentPath: string,
  params: Record<string, string>,
  body?: string,
): Promise<{ status: number; json: unknown }> {
  const q: Record<string, string> = {
    auth_key: 'app-key',
    auth_timestamp: now(),
    auth_version: '1.0',
    ...params,
  };
  if (body !== undefined) q['body_md5'] = md5(body);
  else if (d.md5OnGet) q['body_md5'] = md5('');
  const canonical = Object.keys(q)
    .sort()
    .map((k) => `${k}=${q[k]}`)
    .join('&');
  const signature = createHmac('sha256', 'app-secret')
    .update(`${method}\n${signedPath}\n${canonical}`)
    .digest('hex');
  const query = Object.entries({ ...q, auth_signature: signature })
    .map(([k, v]) => `${k}=${d.encode(v)}`)
    .join('&');
  const res = await fetch(server.httpUrl(`${sentPath}?${query}`), {
    method,
    ...(body === undefined ? {} : { body, headers: { 'Content-Type': 'application/json' } }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe('triggers and queries from each SDK dialect', () => {
  for (const [name, d] of Object.entries(DIALECTS)) {
    test(`${name}: trigger with info, GET channel raw and percent-encoded, GET users, GET channels`, async () => {
      const body = JSON.stringify({
        name: 'dialect',
        channels: [PUNCT, PLAIN],
        data: JSON.stringify({ from: name }),
        info: 'user_count,subscription_count',
      });
      const trig = await call(d, 'POST', '/apps/app-id/events', '/apps/app-id/events', {}, body);
      assert.equal(trig.status, 200, JSON.stringify(trig.json));
      assert.deepEqual(trig.json, {
        channels: { [PUNCT]: { user_count: 1, subscription_count: 1 }, [PLAIN]: { subscription_count: 1 } },
      });
      for (const ch of [PUNCT, PLAIN]) {
        assert.deepEqual((await inbox.event(ch, 'dialect')).data, { from: name });
      }

      const info = { info: 'user_count,subscription_count' };
      const path = `/apps/app-id/channels/${PUNCT}`;
      const encoded = `/apps/app-id/channels/${encodeURIComponent(PUNCT)}`;
      const expected = { occupied: true, user_count: 1, subscription_count: 1 };
      // Signed over the decoded path (what SDKs sign), sent raw or encoded; and signed as sent.
      for (const [signed, sent] of [
        [path, path],
        [path, encoded],
        [encoded, encoded],
      ] as const) {
        const r = await call(d, 'GET', signed, sent, info);
        assert.deepEqual([r.status, r.json], [200, expected], `signed ${signed}, sent ${sent}`);
      }
      const users = await call(d, 'GET', `${path}/users`, `${encoded}/users`, {});
      assert.deepEqual([users.status, users.json], [200, { users: [{ id: 'watcher' }] }]);
      const list = await call(d, 'GET', '/apps/app-id/channels', '/apps/app-id/channels', {
        filter_by_prefix: 'presence-room_a-b=c@d,e.f;',
        info: 'user_count',
      });
      assert.deepEqual([list.status, list.json], [200, { channels: { [PUNCT]: { user_count: 1 } } }]);
    });
  }

  test('a value changed after signing fails in every dialect (the check is real)', async () => {
    for (const d of Object.values(DIALECTS)) {
      const r = await call(d, 'GET', '/apps/app-id/channels', '/apps/app-id/channels', {
        filter_by_prefix: 'a',
      });
      assert.equal(r.status, 200);
      const bad = await call(d, 'GET', '/apps/app-id/channels/other', '/apps/app-id/channels', {
        filter_by_prefix: 'a',
      });
      assert.equal(bad.status, 401);
    }
  });
});
