/**
 * Every vector of test/fixtures/vectors.json (docs/protocol-requirements.md#test-vectors) and Pusher's own worked examples that concerns
 * protocol code, run against src/protocol: channel and user signatures, HTTP API signatures, webhook
 * signatures, channel names and message parsing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { channelKind, channelNameProblem, requiresAuth } from '../../src/protocol/channel-names.js';
import { HeraldError } from '../../src/protocol/errors.js';
import {
  clientEventText,
  encodeCacheMiss,
  encodeConnectionEstablished,
  encodeError,
  encodePresenceSucceeded,
  encodeSubscriptionSucceeded,
  parseClientMessage,
} from '../../src/protocol/messages.js';
import {
  apiStringToSign,
  channelStringToSign,
  md5Hex,
  signApiRequest,
  signAuth,
  signWebhook,
  userStringToSign,
  verifyAuth,
} from '../../src/protocol/signatures.js';
import { isValidSocketId, newSocketId } from '../../src/protocol/socket-id.js';
import { VECTORS } from '../helpers/vectors.js';

const V = VECTORS;
const { key, secret, socketId } = V.credentials;

describe('channel authorization vectors (CH-06, CH-07, T-01..T-03)', () => {
  for (const v of V.channelAuth) {
    const data = v.channel_data ?? undefined;
    if (v.auth) {
      test(`${v.channel}${data ? ' with channel_data' : ''}: string to sign and auth`, () => {
        const s = channelStringToSign(socketId, v.channel, data);
        assert.equal(s, v.stringToSign);
        assert.equal(signAuth(key, secret, s), v.auth);
        assert.deepEqual(verifyAuth(v.auth, key, secret, s), { ok: true });
      });
    } else {
      test(`${v.channel}: ${v.note}`, () => {
        const s = channelStringToSign(socketId, v.channel, data);
        const check = verifyAuth(v.mustFailAgainst, key, secret, s);
        assert.equal(check.ok, false);
        assert.equal(!check.ok && check.reason, 'signature');
      });
    }
  }

  test('a wrong key, a missing auth and a tampered digest are told apart', () => {
    const s = channelStringToSign(socketId, 'private-foo');
    const good = V.channelAuth[0]!.auth!;
    const reason = (auth: unknown) => {
      const r = verifyAuth(auth, key, secret, s);
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason(good), 'ok');
    assert.equal(reason(good.replace('app-key', 'other-key')), 'key');
    assert.equal(reason(''), 'missing');
    assert.equal(reason(undefined), 'missing');
    assert.equal(reason(`${good.slice(0, -1)}0`), 'signature');
    assert.equal(reason('app-key'), 'signature');
    // Auth strings are bound to the socket id.
    assert.equal(verifyAuth(good, key, secret, channelStringToSign('1.2', 'private-foo')).ok, false);
  });

  test("Pusher's documented examples", () => {
    const k = '278d425bdf160c739803';
    const sec = '7ad3773142a6692b25b8';
    assert.equal(
      signAuth(k, sec, channelStringToSign('1234.1234', 'private-foobar')),
      `${k}:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4`,
    );
    assert.equal(
      signAuth(k, sec, userStringToSign('1234.1234', '{"id":"12345"}')),
      `${k}:4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba`,
    );
    assert.equal(
      signAuth(
        k,
        sec,
        channelStringToSign(
          '1234.1234',
          'presence-foobar',
          '{"user_id":10,"user_info":{"name":"Mr. Channels"}}',
        ),
      ),
      `${k}:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80`,
    );
    const body = '{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}';
    assert.equal(md5Hex(body), 'ec365a775a4cd0599faeb73354201b6f');
    assert.equal(
      signApiRequest(sec, 'POST', '/apps/3/events', [
        ['auth_key', k],
        ['auth_timestamp', '1353088179'],
        ['auth_version', '1.0'],
        ['body_md5', md5Hex(body)],
      ]),
      'da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c',
    );
  });
});

describe('user authentication vectors (UA-02, T-04)', () => {
  for (const v of V.userAuth) {
    test('sign-in string to sign and auth', () => {
      const s = userStringToSign(socketId, v.user_data);
      assert.equal(s, v.stringToSign);
      assert.equal(signAuth(key, secret, s), v.auth);
      assert.equal(verifyAuth(v.auth, key, secret, s).ok, true);
    });
  }
});

describe('HTTP API signature vectors (API-03, API-04, T-05..T-10)', () => {
  for (const v of V.httpApi) {
    test(`${v.method} ${v.path}${v.note ? ` (${v.note})` : ''}`, () => {
      const url = new URL(v.url, 'http://x');
      const params = [...url.searchParams];
      assert.equal(apiStringToSign(v.method, url.pathname, params), v.stringToSign);
      assert.equal(signApiRequest(secret, v.method, url.pathname, params), v.auth_signature);
      assert.equal(url.searchParams.get('auth_signature'), v.auth_signature);
      if (v.body !== null && v.body_md5 !== null) assert.equal(md5Hex(v.body), v.body_md5);
      // Percent-encoded values (PHP/Guzzle) sign the decoded text, and keys are lowercased.
      const encoded = new URL(v.url.replace(/,/g, '%2C').replace('auth_key', 'AUTH_KEY'), 'http://x');
      assert.equal(
        signApiRequest(secret, v.method, encoded.pathname, [...encoded.searchParams]),
        v.auth_signature,
      );
    });
  }
});

describe('webhook vectors (WH-03, T-11)', () => {
  for (const v of V.webhooks) {
    test('X-Pusher-Signature is the HMAC of the exact body', () => {
      assert.equal(signWebhook(secret, v.body), v.headers['X-Pusher-Signature']);
      assert.equal(signWebhook(secret, Buffer.from(v.body)), v.headers['X-Pusher-Signature']);
    });
  }
});

describe('channel names (CH-01..CH-03)', () => {
  test('the Pusher character set, Laravel names and the server-to-user form are valid', () => {
    for (const name of [
      'my-channel',
      'private-foo',
      'private-encrypted-foo',
      'presence-room',
      'private-App.Models.User.1',
      'a_b-c=d@e,f.g;h',
      '#server-to-user-42',
      'x'.repeat(200),
    ]) {
      assert.equal(channelNameProblem(name, 200), null, name);
    }
  });

  test('other characters, # elsewhere, empty and over-long names are invalid', () => {
    for (const name of [
      '',
      'a b',
      'a:b',
      'a#b',
      '#private-x',
      'ä',
      'a/b',
      '#server-to-user-',
      '#server-to-user-a b',
      'x'.repeat(201),
    ]) {
      assert.notEqual(channelNameProblem(name, 200), null, name);
    }
    assert.notEqual(channelNameProblem(undefined, 200), null);
  });

  test('classification is a prefix test in pusher-js order', () => {
    const cases: [string, string, boolean][] = [
      ['#server-to-user-1', 'server-to-user', false],
      ['private-encrypted-cache-x', 'encrypted', true],
      ['private-encrypted-x', 'encrypted', false],
      ['private-cache-x', 'private', true],
      ['private-x', 'private', false],
      ['presence-cache-x', 'presence', true],
      ['presence-x', 'presence', false],
      ['cache-x', 'public', true],
      ['x', 'public', false],
      // Not cache channels: the cache prefix must be at the start (soketi's unanchored regex bug).
      ['my-cache-x', 'public', false],
      ['private-my-cache-x', 'private', false],
      ['presence-x-cache-y', 'presence', false],
      ['public-private-x', 'public', false],
    ];
    for (const [name, type, cache] of cases) {
      assert.deepEqual(channelKind(name), { type, cache }, name);
    }
    assert.equal(requiresAuth(channelKind('private-x')), true);
    assert.equal(requiresAuth(channelKind('private-encrypted-x')), true);
    assert.equal(requiresAuth(channelKind('presence-x')), true);
    assert.equal(requiresAuth(channelKind('cache-x')), false);
  });
});

describe('message parsing (WS-12, WS-16..WS-18, CH-04, CE-01)', () => {
  const fails = (text: string) => {
    assert.throws(
      () => parseClientMessage(text),
      (e: unknown) => e instanceof HeraldError && e.code === null && e.close === null,
      text,
    );
  };

  test('pusher:ping without data, with {} and with "{}"', () => {
    assert.deepEqual(parseClientMessage('{"event": "pusher:ping"}'), { type: 'ping' });
    assert.deepEqual(parseClientMessage('{"event":"pusher:ping","data":{}}'), { type: 'ping' });
    assert.deepEqual(parseClientMessage('{"event":"pusher:ping","data":"{}"}'), { type: 'ping' });
    assert.deepEqual(parseClientMessage('{"event":"pusher:pong","data":{"x":1}}'), { type: 'pong' });
  });

  test('the T-01 and T-03 subscribe frames, with data as an object or a JSON string', () => {
    const t01 = `{"event":"pusher:subscribe","data":{"auth":"${V.channelAuth[0]!.auth}","channel":"private-foo"}}`;
    assert.deepEqual(parseClientMessage(t01), {
      type: 'subscribe',
      channel: 'private-foo',
      auth: V.channelAuth[0]!.auth,
      channelData: undefined,
    });
    const t03data = {
      channel: 'presence-room',
      auth: V.channelAuth[2]!.auth,
      channel_data: V.channelAuth[2]!.channel_data,
    };
    const asString = JSON.stringify({ event: 'pusher:subscribe', data: JSON.stringify(t03data) });
    const parsed = parseClientMessage(asString);
    assert.equal(parsed.type, 'subscribe');
    // channel_data is kept byte for byte: it is what the signature covers.
    assert.equal(parsed.type === 'subscribe' && parsed.channelData, V.channelAuth[2]!.channel_data);
    // Java sends no auth at all on public channels.
    assert.deepEqual(parseClientMessage('{"event":"pusher:subscribe","data":{"channel":"news"}}'), {
      type: 'subscribe',
      channel: 'news',
      auth: undefined,
      channelData: undefined,
    });
  });

  test('sign-in and unsubscribe', () => {
    const v = V.userAuth[0]!;
    assert.deepEqual(
      parseClientMessage(
        JSON.stringify({ event: 'pusher:signin', data: { auth: v.auth, user_data: v.user_data } }),
      ),
      { type: 'signin', auth: v.auth, userData: v.user_data },
    );
    assert.deepEqual(parseClientMessage('{"event":"pusher:unsubscribe","data":"{\\"channel\\":\\"a\\"}"}'), {
      type: 'unsubscribe',
      channel: 'a',
    });
  });

  test('client events: object data becomes a JSON string, string data stays as sent', () => {
    const typing = parseClientMessage('{"event":"client-typing","channel":"private-a","data":{"n":1}}');
    assert.deepEqual(typing, {
      type: 'client-event',
      event: 'client-typing',
      channel: 'private-a',
      data: { n: 1 },
    });
    assert.equal(typing.type === 'client-event' && clientEventText(typing.data), '{"n":1}');
    assert.deepEqual(
      parseClientMessage('{"event":"client-x","channel":"private-a","data":"{ \\"n\\": 1 }"}'),
      {
        type: 'client-event',
        event: 'client-x',
        channel: 'private-a',
        data: '{ "n": 1 }',
      },
    );
  });

  test('invalid JSON, missing event, unknown pusher: events and plain event names are non-closing errors', () => {
    fails('{not json');
    fails('{"data":{}}');
    fails('{"event":""}');
    fails('{"event":"pusher:nonsense","data":{}}');
    fails('{"event":"pusher_internal:subscription_succeeded","data":"{}"}');
    fails('{"event":"my-event","channel":"private-a","data":"x"}');
    fails('{"event":"pusher:subscribe","data":{}}');
  });
});

describe('server frames (WS-04, WS-17, CH-05, CH-09, CH-21, T-03, T-13)', () => {
  test('connection_established double-encodes its data', () => {
    assert.equal(
      encodeConnectionEstablished('123.456', 120),
      '{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"123.456\\",\\"activity_timeout\\":120}"}',
    );
  });

  test('pusher:error data is an object with a numeric or null code', () => {
    assert.equal(encodeError(4001, 'x'), '{"event":"pusher:error","data":{"code":4001,"message":"x"}}');
    assert.equal(encodeError(null, 'y'), '{"event":"pusher:error","data":{"code":null,"message":"y"}}');
  });

  test('subscription_succeeded, presence snapshot and cache_miss match the spec text', () => {
    assert.equal(
      encodeSubscriptionSucceeded('private-encrypted-foo'),
      '{"event":"pusher_internal:subscription_succeeded","channel":"private-encrypted-foo","data":"{}"}',
    );
    assert.equal(
      encodePresenceSucceeded('presence-room', { ids: ['42'], hash: { '42': { name: 'Ada' } }, count: 1 }),
      '{"event":"pusher_internal:subscription_succeeded","channel":"presence-room","data":"{\\"presence\\":{\\"ids\\":[\\"42\\"],\\"hash\\":{\\"42\\":{\\"name\\":\\"Ada\\"}},\\"count\\":1}}"}',
    );
    assert.equal(encodeCacheMiss('cache-x'), '{"event":"pusher:cache_miss","channel":"cache-x","data":"{}"}');
  });

  test('socket ids match ^\\d+\\.\\d+$ and differ', () => {
    const ids = new Set(Array.from({ length: 1000 }, newSocketId));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.ok(isValidSocketId(id), id);
    assert.equal(isValidSocketId('1.2.3'), false);
    assert.equal(isValidSocketId('a.1'), false);
  });
});
