/**
 * Who gets into the console: the token (Bearer or the login cookie) or nobody; never another origin.
 * Plus the configuration rules around it and the seam other modules add routes through.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { banner } from '../../src/cli/banner.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/schema-dsl.js';
import { sendJson } from '../../src/console/http.js';
import type { ConsoleRoute } from '../../src/console/server.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const TOKEN = 'console-token-for-tests-0123456789';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

let server: TestServer;
let port: number;
const extraCalls: string[] = [];

/** A route as another module would add it: sees only authenticated, same-origin requests. */
const extra: ConsoleRoute = (req, res, url) => {
  if (url.pathname !== '/api/extra') return false;
  extraCalls.push(req.method ?? '');
  sendJson(res, 200, { extra: true });
  return true;
};

before(async () => {
  server = await startHerald(
    { console: { enabled: true, port: 0, token: TOKEN } },
    { consoleRoutes: [extra] },
  );
  port = consolePort(server);
});

function consolePort(s: TestServer): number {
  assert.ok(s.consolePort, 'the console listens');
  return s.consolePort;
}

after(() => server?.close());

describe('refusal', () => {
  test('without a token: a page request is sent to the login form, a data request gets 401', async () => {
    const page = await call(port, '/', { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 303);
    assert.equal(page.headers.location, '/login');
    const data = await call(port, '/api/info');
    assert.equal(data.status, 401);
    assert.match(String(data.headers['www-authenticate']), /^Bearer/);
    assert.match(JSON.parse(data.body).error, /token required/);
    const script = await call(port, '/assets/app.js');
    assert.equal(script.status, 401, 'the front end itself is behind the token');
  });

  test('with a wrong token, as Bearer or through the login form', async () => {
    assert.equal((await call(port, '/api/info', { headers: bearer(`${TOKEN}x`) })).status, 401);
    assert.equal((await call(port, '/api/info', { headers: bearer('short') })).status, 401);
    const login = await call(port, '/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'token=wrong-token-wrong-token',
    });
    assert.equal(login.status, 303);
    assert.equal(login.headers.location, '/login?failed');
    assert.equal(login.headers['set-cookie'], undefined);
    const form = await call(port, '/login?failed');
    assert.match(form.body, /That token is not right/);
  });

  test('across origins, even with the right token', async () => {
    const evil = await call(port, '/api/info', {
      headers: { ...bearer(TOKEN), Origin: 'http://evil.example' },
    });
    assert.equal(evil.status, 403);
    const fetched = await call(port, '/api/info', {
      headers: { ...bearer(TOKEN), 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'cors' },
    });
    assert.equal(fetched.status, 403);
    const loginFromElsewhere = await call(port, '/login', {
      method: 'POST',
      headers: { Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    assert.equal(loginFromElsewhere.status, 403, 'no login CSRF');
    assert.deepEqual(extraCalls, [], 'no route ran for a refused request');
  });
});

describe('access', () => {
  test('Bearer: the API answers, with the security headers on every response', async () => {
    const res = await call(port, '/api/info', { headers: bearer(TOKEN) });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).apps[0].id, 'app-id');
    for (const r of [res, await call(port, '/login')]) {
      assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.match(String(r.headers['content-security-policy']), /script-src 'self'/);
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
  });

  test('the login form sets an HttpOnly SameSite cookie that opens the console; logout ends it', async () => {
    const login = await call(port, '/login', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Origin: `http://127.0.0.1:${port}`,
        Host: `127.0.0.1:${port}`,
      },
      body: `token=${encodeURIComponent(TOKEN)}`,
    });
    assert.equal(login.status, 303);
    assert.equal(login.headers.location, '/');
    const setCookie = String(login.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.doesNotMatch(setCookie, new RegExp(TOKEN), 'the cookie is not the token');
    const cookie = setCookie.split(';')[0]!;
    const page = await call(port, '/', { headers: { Cookie: cookie, Accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<script type="module" src="\/assets\/app.js">/);
    const out = await call(port, '/logout', { method: 'POST', headers: { Cookie: cookie } });
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
  });

  test('a route added through the seam answers behind the token', async () => {
    assert.equal((await call(port, '/api/extra')).status, 401);
    const res = await call(port, '/api/extra', { headers: bearer(TOKEN) });
    assert.deepEqual(JSON.parse(res.body), { extra: true });
    assert.deepEqual(extraCalls, ['GET']);
    assert.equal((await call(port, '/api/nothing-here', { headers: bearer(TOKEN) })).status, 404);
  });
});

describe('configuration', () => {
  test('defaults: enabled on 127.0.0.1:9602 without a token; env and flags set it', () => {
    const c = loadConfig({ env: {} });
    assert.deepEqual(c.console, { enabled: true, host: '127.0.0.1', port: 9602 });
    const e = loadConfig({
      env: { HERALD_CONSOLE_PORT: '9700', HERALD_CONSOLE_TOKEN: TOKEN },
      flags: { 'console-host': '::1', console: 'false' },
    });
    assert.deepEqual(e.console, { enabled: false, host: '::1', port: 9700, token: TOKEN });
  });

  test('a non-loopback host without a configured token, or a short token, is refused', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ env });
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
      }
      return [];
    };
    assert.match(problems({ HERALD_CONSOLE_HOST: '0.0.0.0' }).join('\n'), /console.token: is required/);
    assert.deepEqual(problems({ HERALD_CONSOLE_HOST: '0.0.0.0', HERALD_CONSOLE_TOKEN: TOKEN }), []);
    assert.deepEqual(problems({ HERALD_CONSOLE_HOST: '0.0.0.0', HERALD_CONSOLE: 'false' }), []);
    assert.match(problems({ HERALD_CONSOLE_TOKEN: 'short' }).join('\n'), /at least 16 characters/);
  });

  test('without a configured token one is generated, works, and is printed in the banner', async () => {
    const s = await startHerald({ console: { enabled: true, port: 0 } });
    try {
      const generated = s.herald.console!;
      assert.equal(generated.generated, true);
      assert.ok(generated.token.length >= 32);
      const ok = await call(consolePort(s), '/api/info', { headers: bearer(generated.token) });
      assert.equal(ok.status, 200);
      const text = banner(s.config, s.port, {
        url: `http://127.0.0.1:${consolePort(s)}/`,
        generatedToken: generated.token,
      });
      assert.match(text, new RegExp(`Console: http://127.0.0.1:${consolePort(s)}/`));
      assert.match(text, new RegExp(`token: ${generated.token}`));
    } finally {
      await s.close();
    }
  });
});
