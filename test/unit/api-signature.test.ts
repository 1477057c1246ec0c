/**
 * HTTP API authentication (API-02..API-04), pure: the string to sign, body_md5 and the checks of
 * verifyApiSignature then verifyBodyMd5 (as the router runs them), driven by the spec's vectors and
 * Pusher's own worked example. The vectors' signatures themselves are checked once, in vectors.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AppConfig } from '../../src/config/config.js';
import {
  TIMESTAMP_WINDOW_SECONDS,
  verifyApiSignature,
  verifyBodyMd5,
} from '../../src/http-api/verify-signature.js';
import { HeraldError } from '../../src/protocol/errors.js';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.js';
import {
  apiStringToSign,
  canonicalQuery,
  md5Hex,
  safeEqual,
  signApiRequest,
} from '../../src/protocol/signatures.js';
import { VECTORS } from '../helpers/vectors.js';

const creds = VECTORS.credentials;

const app: AppConfig = {
  id: creds.appId,
  key: creds.key,
  secret: creds.secret,
  enabled: true,
  clientEvents: false,
  userAuthentication: false,
  watchlistEvents: false,
  subscriptionCount: false,
  authorizedConnections: false,
  authorizedConnectionsTimeout: 30,
  requireTls: false,
  limits: { ...DEFAULT_LIMITS },
  webhooks: [],
  history: [],
};

const NOW_MS = 1_700_000_000 * 1000;

function queryOf(url: string): URLSearchParams {
  return new URL(url, 'http://x').searchParams;
}

/** Both steps of the router: the signature before the body, then the body against its body_md5. */
function verifyApiRequest(
  target: AppConfig,
  method: string,
  paths: [string, ...string[]],
  query: URLSearchParams,
  bytes: Buffer,
  nowMs: number,
): void {
  verifyApiSignature(target, method, paths, query, nowMs);
  verifyBodyMd5(query, { bytes, md5: md5Hex(bytes) });
}

/** Runs verifyApiRequest and returns the HTTP status it maps to (200 when it accepts). */
function check(
  method: string,
  path: string,
  query: URLSearchParams,
  body: string,
  nowMs = NOW_MS,
  target: AppConfig = app,
): number {
  return outcome(method, path, query, body, nowMs, target).status;
}

/** The status and the message a refusal carries (the 401 body a developer reads). */
function outcome(
  method: string,
  path: string,
  query: URLSearchParams,
  body: string,
  nowMs = NOW_MS,
  target: AppConfig = app,
): { status: number; message: string } {
  try {
    verifyApiRequest(target, method, [path], query, Buffer.from(body), nowMs);
    return { status: 200, message: '' };
  } catch (err) {
    assert.ok(err instanceof HeraldError, `unexpected ${String(err)}`);
    return { status: err.status, message: err.message };
  }
}

/** A signed query for the test app at `timestamp`, with optional extra parameters and body. */
function signed(
  method: string,
  path: string,
  opts: { extra?: Record<string, string>; body?: string; timestamp?: number; secret?: string } = {},
): URLSearchParams {
  const params = new URLSearchParams({
    auth_key: app.key,
    auth_timestamp: String(opts.timestamp ?? NOW_MS / 1000),
    auth_version: '1.0',
    ...(opts.body !== undefined ? { body_md5: md5Hex(opts.body) } : {}),
    ...opts.extra,
  });
  params.set('auth_signature', signApiRequest(opts.secret ?? app.secret, method, path, params));
  return params;
}

describe('string to sign and signature', () => {
  test("Pusher's worked example (REST docs, app id 3) signs to the documented value", () => {
    const body = '{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}';
    assert.equal(md5Hex(body), 'ec365a775a4cd0599faeb73354201b6f');
    const params = new URLSearchParams({
      auth_key: '278d425bdf160c739803',
      auth_timestamp: '1353088179',
      auth_version: '1.0',
      body_md5: md5Hex(body),
    });
    assert.equal(
      apiStringToSign('post', '/apps/3/events', params),
      'POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f',
    );
    assert.equal(
      signApiRequest('7ad3773142a6692b25b8', 'POST', '/apps/3/events', params),
      'da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c',
    );
  });

  test('canonical query: drops auth_signature, lowercases keys, sorts by key in byte order, keeps extras', () => {
    const q = canonicalQuery([
      ['info', 'user_count'],
      ['Filter_By_Prefix', 'presence-'],
      ['auth_signature', 'zzz'],
      ['auth_version', '1.0'],
      ['AUTH_KEY', 'k'],
      ['auth_timestamp', '1'],
    ]);
    assert.equal(
      q,
      'auth_key=k&auth_timestamp=1&auth_version=1.0&filter_by_prefix=presence-&info=user_count',
    );
  });

  test('MD5 of the empty body is the value the Python SDK sends on GET', () => {
    assert.equal(md5Hex(''), 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(md5Hex('{}'), '99914b932bd37a50b983c5e7c90ae93b');
  });
});

describe('verifyApiSignature and verifyBodyMd5', () => {
  for (const v of VECTORS.httpApi) {
    test(`accepts the vector URL ${v.method} ${v.path}${v.body_md5 ? ' (body_md5)' : ''}`, () => {
      assert.equal(check(v.method, v.path, queryOf(v.url), v.body ?? ''), 200);
    });
  }

  test('accepts the percent-encoded query PHP sends (info=user_count%2Csubscription_count)', () => {
    const v = VECTORS.httpApi.find((x) => x.path === '/apps/app-id/channels/presence-room')!;
    const encoded = v.url.replace(
      'info=user_count,subscription_count',
      'info=user_count%2Csubscription_count',
    );
    assert.notEqual(encoded, v.url);
    assert.equal(check('GET', v.path, queryOf(encoded), ''), 200);
  });

  test('accepts extra parameters whose keys arrive in upper case (signed lowercased)', () => {
    const path = '/apps/app-id/channels';
    const params = new URLSearchParams({
      auth_key: app.key,
      auth_timestamp: String(NOW_MS / 1000),
      auth_version: '1.0',
      Info: 'subscription_count',
    });
    params.set('auth_signature', signApiRequest(app.secret, 'GET', path, params));
    assert.match(apiStringToSign('GET', path, params), /&info=subscription_count$/);
    assert.equal(check('GET', path, params, ''), 200);
  });

  test('a signed parameter that was changed afterwards fails with 401', () => {
    const v = VECTORS.httpApi.find((x) => x.stringToSign.includes('filter_by_prefix') && !x.body_md5)!;
    const tampered = v.url.replace('filter_by_prefix=presence-', 'filter_by_prefix=private-');
    assert.equal(check('GET', v.path, queryOf(tampered), ''), 401);
    assert.equal(check('POST', v.path, queryOf(v.url), ''), 401, 'the method is signed');
    assert.equal(check('GET', '/apps/app-id/channels/x', queryOf(v.url), ''), 401, 'the path is signed');
  });

  test('body_md5 is required when there is a body, and must match it', () => {
    const path = '/apps/app-id/events';
    const body = '{"name":"e","channel":"c","data":"{}"}';
    assert.equal(check('POST', path, signed('POST', path, { body }), body), 200);
    assert.deepEqual(outcome('POST', path, signed('POST', path), body), {
      status: 401,
      message: 'body_md5 is required for requests with a body',
    });
    assert.deepEqual(outcome('POST', path, signed('POST', path, { body }), `${body} `), {
      status: 401,
      message: 'body_md5 does not match the request body',
    });
  });

  test('body_md5 on GET is accepted when it is the MD5 of the empty body, and verified', () => {
    const path = '/apps/app-id/channels';
    assert.equal(check('GET', path, signed('GET', path, { body: '' }), ''), 200);
    assert.equal(check('GET', path, signed('GET', path, { body: '{}' }), ''), 401);
  });

  test(`timestamps within ${TIMESTAMP_WINDOW_SECONDS - 1} s either way pass; ${TIMESTAMP_WINDOW_SECONDS} s off fail with 401`, () => {
    const path = '/apps/app-id/channels';
    const now = NOW_MS / 1000;
    for (const offset of [-599, -1, 0, 1, 599]) {
      assert.equal(
        check('GET', path, signed('GET', path, { timestamp: now + offset }), ''),
        200,
        `${offset}`,
      );
    }
    for (const offset of [-600, 600, -100_000]) {
      assert.equal(
        check('GET', path, signed('GET', path, { timestamp: now + offset }), ''),
        401,
        `${offset}`,
      );
    }
    const q = signed('GET', path, { timestamp: now - 600 });
    assert.throws(
      () => verifyApiRequest(app, 'GET', [path], q, Buffer.alloc(0), NOW_MS),
      /Timestamp expired: Given timestamp \(1699999400\) not within 600s of server time \(1700000000\)/,
    );
  });

  test('a non-numeric timestamp fails with 401', () => {
    const path = '/apps/app-id/channels';
    const q = signed('GET', path, { extra: {} });
    q.set('auth_timestamp', 'soon');
    q.set('auth_signature', signApiRequest(app.secret, 'GET', path, q));
    assert.equal(check('GET', path, q, ''), 401);
  });

  test('auth_version must be 1.0 and present', () => {
    const path = '/apps/app-id/channels';
    for (const version of ['2.0', null]) {
      const q = new URLSearchParams({ auth_key: app.key, auth_timestamp: String(NOW_MS / 1000) });
      if (version) q.set('auth_version', version);
      q.set('auth_signature', signApiRequest(app.secret, 'GET', path, q));
      assert.deepEqual(
        outcome('GET', path, q, ''),
        {
          status: 401,
          message: version
            ? `Unsupported auth_version: ${version}`
            : 'Missing auth_key, auth_timestamp, auth_version or auth_signature query parameter',
        },
        `auth_version=${version}`,
      );
    }
  });

  test('another key, a missing parameter or a wrong secret fail with 401', () => {
    const path = '/apps/app-id/channels';
    const good = signed('GET', path);
    const otherKey = new URLSearchParams(good);
    otherKey.set('auth_key', 'other-key');
    otherKey.set('auth_signature', signApiRequest(app.secret, 'GET', path, otherKey));
    assert.deepEqual(outcome('GET', path, otherKey, ''), {
      status: 401,
      message: 'Invalid auth_key for app app-id',
    });
    // Each missing parameter is named as missing, not caught later as a wrong key or signature.
    for (const drop of ['auth_key', 'auth_timestamp', 'auth_version', 'auth_signature']) {
      const q = new URLSearchParams(good);
      q.delete(drop);
      assert.deepEqual(
        outcome('GET', path, q, ''),
        {
          status: 401,
          message: 'Missing auth_key, auth_timestamp, auth_version or auth_signature query parameter',
        },
        `without ${drop}`,
      );
    }
    assert.equal(check('GET', path, signed('GET', path, { secret: 'not-the-secret' }), ''), 401);
    assert.equal(check('GET', path, good, ''), 200);
  });

  test('a signature in the wrong case or truncated fails with 401', () => {
    const path = '/apps/app-id/channels';
    const good = signed('GET', path);
    const sig = good.get('auth_signature')!;
    for (const bad of [sig.toUpperCase(), sig.slice(0, -1), `${sig}0`, '']) {
      const q = new URLSearchParams(good);
      q.set('auth_signature', bad);
      assert.equal(check('GET', path, q, ''), 401, bad);
    }
  });

  test('the 401 for a bad signature tells the string that should have been signed', () => {
    const path = '/apps/app-id/channels';
    const q = signed('GET', path, { secret: 'wrong' });
    assert.throws(
      () => verifyApiRequest(app, 'GET', [path], q, Buffer.alloc(0), NOW_MS),
      (err: unknown) =>
        err instanceof HeraldError &&
        err.status === 401 &&
        err.message.startsWith('Invalid signature: you should have sent HmacSHA256Hex(') &&
        err.message.includes(JSON.stringify(apiStringToSign('GET', path, q))) &&
        !err.message.includes(app.secret),
    );
  });
});

describe('safeEqual (constant-time compare)', () => {
  test('equal strings compare equal; any difference, including length or multi-byte, does not', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('', ''), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'ab'), false);
    assert.equal(safeEqual('ab', 'abc'), false);
    assert.equal(safeEqual('é', 'e'), false);
    assert.equal(safeEqual('é', 'é'), true);
  });
});

describe('secret rotation', () => {
  const rotated: AppConfig = {
    ...app,
    secret: 'new-secret',
    previousSecret: app.secret,
    previousSecretExpiresAt: new Date(NOW_MS + 1000).toISOString(),
  };
  const path = '/apps/app-id/channels';

  test('the previous secret signs until its expiry, the new one always', () => {
    assert.equal(check('GET', path, signed('GET', path), '', NOW_MS, rotated), 200);
    assert.equal(check('GET', path, signed('GET', path, { secret: 'new-secret' }), '', NOW_MS, rotated), 200);
    assert.equal(check('GET', path, signed('GET', path, { secret: 'other' }), '', NOW_MS, rotated), 401);
  });

  test('at its expiry the previous secret is refused, and the 401 names what the new secret signs', () => {
    const later = NOW_MS + 1000;
    const q = signed('GET', path, { timestamp: later / 1000 });
    const refused = outcome('GET', path, q, '', later, rotated);
    assert.equal(refused.status, 401);
    assert.match(
      refused.message,
      /^Invalid signature: you should have sent HmacSHA256Hex\("GET\\n\/apps\/app-id\/channels\\n/,
    );
    assert.equal(
      check(
        'GET',
        path,
        signed('GET', path, { secret: 'new-secret', timestamp: later / 1000 }),
        '',
        later,
        rotated,
      ),
      200,
    );
  });
});
