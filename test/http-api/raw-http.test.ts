/**
 * The HTTP API over raw signed requests (API-01..API-05, API-15, API-16, MISC-05): the spec's vector
 * URLs byte for byte (the node's clock is injected at the vectors' timestamp), every error path with
 * its status and body, each followed by proof that a good request still works, keep-alive, health.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { md5Hex, signApiRequest } from '../../src/protocol/signatures.js';
import { startHerald, type TestServer } from '../helpers/server.js';

interface HttpVector {
  method: string;
  path: string;
  body: string | null;
  url: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/vectors.json', import.meta.url), 'utf8'),
);
const httpVectors: HttpVector[] = vectors.httpApi;
const vector = (method: string, path: string, withBody: boolean) =>
  httpVectors.find((v) => v.method === method && v.path === path && (v.body !== null) === withBody)!;

const NOW_S = 1_700_000_000;
const MAX_BODY = 4096;
const PREFIX = '/pusher';
let server: TestServer;
let nowMs = NOW_S * 1000;

before(async () => {
  server = await startHerald(
    {
      maxHttpBodyBytes: MAX_BODY,
      pathPrefix: PREFIX,
      apps: [
        { id: 'app-id', key: 'app-key', secret: 'app-secret' },
        { id: 'off-id', key: 'off-key', secret: 'off-secret', enabled: false },
      ],
    },
    { clock: () => nowMs },
  );
});
after(() => server.close());

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  reusedSocket: boolean;
}

function send(
  method: string,
  pathAndQuery: string,
  opts: {
    body?: string | Buffer;
    headers?: Record<string, string | number>;
    agent?: Agent;
    chunks?: Buffer[];
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: server.host,
        port: server.port,
        method,
        path: pathAndQuery,
        agent: opts.agent ?? false,
        headers: {
          ...(opts.body !== undefined ? { 'Content-Length': Buffer.byteLength(opts.body) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else {
      req.end(opts.body);
    }
  });
}

/** A signed path+query for `path` (signed without any deployment prefix), as the node SDK builds it. */
function signedPath(
  method: string,
  path: string,
  opts: {
    body?: string;
    extra?: Record<string, string>;
    key?: string;
    secret?: string;
    timestamp?: number;
    md5?: string | null;
    prefix?: string;
  } = {},
): string {
  const params = new URLSearchParams({
    auth_key: opts.key ?? 'app-key',
    auth_timestamp: String(opts.timestamp ?? Math.floor(nowMs / 1000)),
    auth_version: '1.0',
  });
  const md5 = opts.md5 === undefined ? (opts.body ? md5Hex(opts.body) : null) : opts.md5;
  if (md5 !== null) params.set('body_md5', md5);
  for (const [k, v] of Object.entries(opts.extra ?? {})) params.set(k, v);
  params.set('auth_signature', signApiRequest(opts.secret ?? 'app-secret', method, path, params));
  return `${opts.prefix ?? ''}${path}?${params}`;
}

const EVENT = '{"name":"e","channels":["raw"],"data":"{}"}';

function errorOf(r: Reply): string {
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const body = JSON.parse(r.text) as { error?: unknown };
  assert.equal(typeof body.error, 'string', `error body: ${r.text}`);
  return body.error as string;
}

/** Proof the node still serves: a signed trigger answers 200 {}. */
async function stillServes(): Promise<void> {
  const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), { body: EVENT });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, '{}');
}

async function subscriber(
  channel: string,
): Promise<{ ws: WebSocket; frames: string[]; next(): Promise<string> }> {
  const ws = new WebSocket(server.wsUrl(`${PREFIX}/app/app-key?protocol=7&client=js&version=8.4.0`));
  const frames: string[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (d) => {
    frames.push(d.toString());
    wake?.();
  });
  const next = async (): Promise<string> => {
    const deadline = Date.now() + 5000;
    while (frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no frame');
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    return frames.shift()!;
  };
  assert.match(await next(), /pusher:connection_established/);
  ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel } }));
  assert.match(await next(), /pusher_internal:subscription_succeeded/);
  return { ws, frames, next };
}

describe('spec vectors, byte for byte (clock at 1700000000)', () => {
  test('T-05 POST /apps/app-id/events answers 200 {} and the subscriber gets the exact frame', async () => {
    const sub = await subscriber('my-channel');
    const v = vector('POST', '/apps/app-id/events', true);
    const r = await send('POST', v.url, { body: v.body!, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{}');
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(
      await sub.next(),
      '{"event":"my-event","channel":"my-channel","data":"{\\"hello\\":\\"world\\"}"}',
    );
    sub.ws.close();
  });

  test('T-06 GET /channels?filter_by_prefix=presence-&info=user_count answers 200', async () => {
    const r = await send('GET', vector('GET', '/apps/app-id/channels', false).url);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { channels: {} });
  });

  test('T-07 the same with body_md5 of the empty body (Python SDK) answers 200', async () => {
    const r = await send('GET', vector('GET', '/apps/app-id/channels', true).url);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { channels: {} });
  });

  test('T-08 GET /channels/presence-room, as sent and percent-encoded (PHP), answers 200', async () => {
    const v = vector('GET', '/apps/app-id/channels/presence-room', false);
    const encoded = v.url.replace('user_count,subscription_count', 'user_count%2Csubscription_count');
    assert.notEqual(encoded, v.url);
    for (const url of [v.url, encoded]) {
      const r = await send('GET', url);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(JSON.parse(r.text), { occupied: false, user_count: 0, subscription_count: 0 });
    }
  });

  test('T-10 POST /batch_events answers {"batch":[{},{"user_count":0}]}', async () => {
    const v = vector('POST', '/apps/app-id/batch_events', true);
    const r = await send('POST', v.url, { body: v.body! });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"batch":[{},{"user_count":0}]}');
  });

  test('the vector URL is refused with 401 once the clock is 600 s past it, accepted at 599 s', async () => {
    const v = vector('GET', '/apps/app-id/channels', false);
    try {
      nowMs = (NOW_S + 600) * 1000;
      const stale = await send('GET', v.url);
      assert.equal(stale.status, 401);
      assert.equal(
        errorOf(stale),
        'Timestamp expired: Given timestamp (1700000000) not within 600s of server time (1700000600)',
      );
      nowMs = (NOW_S - 600) * 1000;
      assert.equal((await send('GET', v.url)).status, 401, 'a timestamp from the future is refused too');
      nowMs = (NOW_S + 599) * 1000;
      assert.equal((await send('GET', v.url)).status, 200);
      nowMs = (NOW_S - 599) * 1000;
      assert.equal((await send('GET', v.url)).status, 200);
    } finally {
      nowMs = NOW_S * 1000;
    }
    await stillServes();
  });
});

describe('success bodies', () => {
  test('events and batch_events without info answer exactly {}', async () => {
    await stillServes();
    const batch = '{"batch":[{"channel":"raw","name":"e","data":"1"}]}';
    const r = await send('POST', signedPath('POST', '/apps/app-id/batch_events', { body: batch }), {
      body: batch,
    });
    assert.equal(r.status, 200);
    assert.equal(r.text, '{}');
  });

  test('the body is parsed as JSON whatever the Content-Type, and when sent chunked', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), {
        body: EVENT,
        headers: { 'Content-Type': type },
      });
      assert.equal(r.status, 200, type);
    }
    const chunks = [Buffer.from(EVENT.slice(0, 10)), Buffer.from(EVENT.slice(10))];
    const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), { chunks });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{}');
  });
});

describe('error paths (API-15)', () => {
  test('malformed JSON body → 400', async () => {
    for (const body of ['{"name":', 'not json', '[1,2]', '"string"', 'null']) {
      const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body }), { body });
      assert.equal(r.status, 400, body);
      assert.match(errorOf(r), /JSON/);
    }
    await stillServes();
  });

  test(`body over maxHttpBodyBytes (${MAX_BODY}) → 413, declared or streamed`, async () => {
    const big = JSON.stringify({ name: 'e', channels: ['raw'], data: 'x'.repeat(MAX_BODY) });
    const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: big }), { body: big });
    assert.equal(r.status, 413);
    assert.match(errorOf(r), /limit of 4096 bytes/);
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(1024, 0x20));
    const streamed = await send('POST', signedPath('POST', '/apps/app-id/events', { md5: 'x' }), { chunks });
    assert.equal(streamed.status, 413);
    await stillServes();
  });

  test('a 413 leaves a keep-alive connection usable', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = 'x'.repeat(MAX_BODY + 1);
      const r1 = await send('POST', signedPath('POST', '/apps/app-id/events', { body: big }), {
        body: big,
        agent,
      });
      assert.equal(r1.status, 413);
      const r2 = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), {
        body: EVENT,
        agent,
      });
      assert.equal(r2.status, 200);
    } finally {
      agent.destroy();
    }
  });

  test('a client that hangs up mid-body is counted as a 400, not a server error', async () => {
    const settled = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the request never settled')), 5000);
      const off = server.herald.events.on('api_request', (e) => {
        clearTimeout(timer);
        off();
        resolve(e.status);
      });
    });
    const sock = connect(server.port, server.host);
    await new Promise<void>((resolve) => sock.once('connect', resolve));
    // `Expect: 100-continue` makes the server say when it has handed the request to the API.
    const continued = new Promise<string>((resolve) => sock.once('data', (d) => resolve(d.toString())));
    sock.write(`POST ${signedPath('POST', '/apps/app-id/events', { md5: 'x' })} HTTP/1.1\r\nHost: x\r\n`);
    sock.write('Expect: 100-continue\r\nContent-Length: 100\r\n\r\n');
    assert.match(await continued, /^HTTP\/1.1 100 Continue/);
    sock.write('{"name":');
    sock.destroy();
    assert.equal(await settled, 400);
    await stillServes();
  });

  test('body_md5 not matching the body → 401; missing with a body → 401', async () => {
    const wrong = await send('POST', signedPath('POST', '/apps/app-id/events', { body: '{}' }), {
      body: EVENT,
    });
    assert.equal(wrong.status, 401);
    assert.match(errorOf(wrong), /body_md5/);
    const missing = await send('POST', signedPath('POST', '/apps/app-id/events', { md5: null }), {
      body: EVENT,
    });
    assert.equal(missing.status, 401);
    assert.match(errorOf(missing), /body_md5/);
    await stillServes();
  });

  test('stale timestamp → 401 with the Pusher wording', async () => {
    const path = signedPath('GET', '/apps/app-id/channels', { timestamp: NOW_S - 600 });
    const r = await send('GET', path);
    assert.equal(r.status, 401);
    assert.match(
      errorOf(r),
      /^Timestamp expired: Given timestamp \(1699999400\) not within 600s of server time/,
    );
    await stillServes();
  });

  test('unknown app → 404; known app with another key → 401; an unknown auth_key → 401', async () => {
    const unknown = await send('GET', signedPath('GET', '/apps/nope/channels'));
    assert.equal(unknown.status, 404);
    errorOf(unknown);
    const otherAppsKey = await send(
      'GET',
      signedPath('GET', '/apps/app-id/channels', { key: 'off-key', secret: 'off-secret' }),
    );
    assert.equal(otherAppsKey.status, 401);
    assert.match(errorOf(otherAppsKey), /auth_key/);
    const noSuchKey = await send('GET', signedPath('GET', '/apps/app-id/channels', { key: 'who' }));
    assert.equal(noSuchKey.status, 401);
    await stillServes();
  });

  test('bad signature → 401 naming the string that should have been signed', async () => {
    const r = await send('GET', signedPath('GET', '/apps/app-id/channels', { secret: 'guess' }));
    assert.equal(r.status, 401);
    const msg = errorOf(r);
    assert.match(
      msg,
      /^Invalid signature: you should have sent HmacSHA256Hex\("GET\\n\/apps\/app-id\/channels\\nauth_key=app-key&/,
    );
    assert.ok(!msg.includes('app-secret'));
    const tampered = signedPath('GET', '/apps/app-id/channels', {
      extra: { info: 'subscription_count' },
    }).replace('info=subscription_count', 'info=user_count');
    assert.equal((await send('GET', tampered)).status, 401);
    const unsigned = await send('GET', '/apps/app-id/channels');
    assert.equal(unsigned.status, 401);
    assert.match(errorOf(unsigned), /Missing auth_key/);
    await stillServes();
  });

  test('query keys are case-insensitive, as signed (lowercased)', async () => {
    const params = new URLSearchParams({
      AUTH_KEY: 'app-key',
      Auth_Timestamp: String(NOW_S),
      auth_VERSION: '1.0',
      Filter_By_Prefix: 'presence-',
      INFO: 'user_count',
    });
    params.set('Auth_Signature', signApiRequest('app-secret', 'GET', '/apps/app-id/channels', params));
    const r = await send('GET', `/apps/app-id/channels?${params}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { channels: {} });
  });

  test('missing or unsupported auth_version → 401', async () => {
    for (const version of [null, '2.0']) {
      const params = new URLSearchParams({ auth_key: 'app-key', auth_timestamp: String(NOW_S) });
      if (version) params.set('auth_version', version);
      params.set('auth_signature', signApiRequest('app-secret', 'GET', '/apps/app-id/channels', params));
      assert.equal((await send('GET', `/apps/app-id/channels?${params}`)).status, 401, String(version));
    }
    await stillServes();
  });

  test('wrong method → 405 with Allow', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/apps/app-id/events', 'POST'],
      ['PUT', '/apps/app-id/events', 'POST'],
      ['DELETE', '/apps/app-id/batch_events', 'POST'],
      ['POST', '/apps/app-id/channels', 'GET'],
      ['POST', '/apps/app-id/channels/raw', 'GET'],
      ['PATCH', '/apps/app-id/channels/presence-x/users', 'GET'],
    ];
    for (const [method, path, allow] of cases) {
      const r = await send(method, signedPath(method, path));
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers['allow'], allow);
      errorOf(r);
    }
    await stillServes();
  });

  test('unknown paths → 404', async () => {
    for (const path of [
      '/apps/app-id/nope',
      '/apps/app-id/channels/raw/stats/extra',
      '/apps/app-id',
      '/apps',
      '/nope',
      '/apps/app-id/events/extra',
    ]) {
      const r = await send('GET', signedPath('GET', path));
      assert.equal(r.status, 404, path);
      errorOf(r);
    }
    assert.equal((await send('POST', '/nope', { body: '{}' })).status, 404);
    await stillServes();
  });

  test('disabled app, correctly signed → 403; a bad signature on it is still 401', async () => {
    const path = '/apps/off-id/events';
    const ok = await send(
      'POST',
      signedPath('POST', path, { body: EVENT, key: 'off-key', secret: 'off-secret' }),
      {
        body: EVENT,
      },
    );
    assert.equal(ok.status, 403);
    assert.match(errorOf(ok), /disabled/i);
    const forged = await send('POST', signedPath('POST', path, { body: EVENT, key: 'off-key' }), {
      body: EVENT,
    });
    assert.equal(forged.status, 401);
    await stillServes();
  });

  test('a GET with a body and no body_md5 → 401', async () => {
    const r = await send('GET', signedPath('GET', '/apps/app-id/channels'), { body: '{}' });
    assert.equal(r.status, 401);
    await stillServes();
  });
});

describe('routing and transport', () => {
  test(`the ${PREFIX} deployment prefix is stripped before the signature is checked`, async () => {
    const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT, prefix: PREFIX }), {
      body: EVENT,
    });
    assert.equal(r.status, 200, r.text);
    const get = await send('GET', signedPath('GET', '/apps/app-id/channels', { prefix: PREFIX }));
    assert.equal(get.status, 200, get.text);
    // A path that only starts with the same letters is not the prefix.
    const lookalike = await send('GET', signedPath('GET', '/apps/app-id/channels', { prefix: `${PREFIX}x` }));
    assert.equal(lookalike.status, 404);
    const glued = await send('GET', signedPath('GET', 'apps/app-id/channels', { prefix: PREFIX }));
    assert.equal(glued.status, 404, 'the prefix is a whole path segment');
  });

  test('keep-alive: several requests, errors included, share one socket', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const replies: Reply[] = [];
      replies.push(await send('GET', signedPath('GET', '/apps/app-id/channels'), { agent }));
      replies.push(
        await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), {
          body: EVENT,
          agent,
        }),
      );
      replies.push(
        await send('GET', signedPath('GET', '/apps/app-id/channels', { secret: 'bad' }), { agent }),
      );
      replies.push(
        await send('POST', signedPath('POST', '/apps/app-id/events', { body: '{' }), { body: '{', agent }),
      );
      replies.push(await send('GET', signedPath('GET', '/apps/app-id/channels/raw'), { agent }));
      replies.push(await send('GET', '/', { agent }));
      assert.deepEqual(
        replies.map((r) => r.status),
        [200, 200, 401, 400, 200, 200],
      );
      assert.deepEqual(
        replies.map((r) => r.reusedSocket),
        [false, true, true, true, true, true],
      );
      for (const r of replies) assert.notEqual(r.headers['connection'], 'close');
    } finally {
      agent.destroy();
    }
  });

  test('GET / and GET /ready answer 200 for load balancers; HEAD / too', async () => {
    const root = await send('GET', '/');
    assert.equal(root.status, 200);
    assert.deepEqual(JSON.parse(root.text), { ok: true });
    const ready = await send('GET', '/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.text), { ready: true });
    assert.equal((await send('HEAD', '/')).status, 200);
    assert.equal((await send('GET', `${PREFIX}/ready`)).status, 200);
  });

  test('a plain GET of the WebSocket path answers 426 and does not disturb the node', async () => {
    const r = await send('GET', `${PREFIX}/app/app-key`);
    assert.equal(r.status, 426);
    await stillServes();
  });
});
