/**
 * `bin/herald.js` from the outside, as an operator runs it: a YAML file with two apps, a single app
 * from environment variables only, and the mistakes people make in configs (exit code 2, the offending
 * key named, nothing listening). Official clients talk to the started processes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import PusherServer from 'pusher';
import { connected } from '../helpers/clients.js';
import { type HeraldProcess, spawnHerald } from '../helpers/process.js';
import { PusherJs } from '../helpers/pusher-js.js';
import { state, stateLog } from './inbox.js';

const BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
let dir: string;
const procs: HeraldProcess[] = [];
const clients: PusherJs[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
});
after(async () => {
  for (const c of clients) c.disconnect();
  for (const p of procs) p.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI to completion with a clean environment (no HERALD_* leaking in from the shell). */
function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HERALD_')));
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...clean, HERALD_METRICS: 'false', HERALD_CONSOLE: 'false', ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function client(port: number, key: string): PusherJs {
  const c = new PusherJs(key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
  } as never);
  clients.push(c);
  return c;
}

async function roundTrip(port: number, app: { id: string; key: string; secret: string }) {
  const c = client(port, app.key);
  const channel = c.subscribe('ops-check');
  const got = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${app.key}`)), 5000);
    channel.bind('ping', (d: unknown) => {
      clearTimeout(timer);
      resolve(d);
    });
  });
  await new Promise<void>((resolve) => channel.bind('pusher:subscription_succeeded', () => resolve()));
  const sdk = new PusherServer({
    ...app,
    appId: app.id,
    host: '127.0.0.1',
    port: String(port),
    useTLS: false,
  });
  await sdk.trigger('ops-check', 'ping', { app: app.id });
  assert.deepEqual(await got, { app: app.id });
}

describe('informational commands', () => {
  test('--version and -v print the package version; --help and -h list start and its options', () => {
    for (const flag of ['--version', '-v']) assert.deepEqual(run([flag]), { code: 0, out: `${VERSION}\n` });
    for (const flag of ['--help', '-h']) {
      const r = run([flag]);
      assert.equal(r.code, 0);
      assert.match(r.out, /start/);
      assert.match(r.out, /--config/);
      assert.match(r.out, /--port/);
    }
  });
});

describe('starting for real', () => {
  test('a YAML file with two apps: both serve pusher-js and the SDK; an unknown key is refused for good', async () => {
    const config = file(
      'two-apps.yaml',
      [
        'apps:',
        '  - id: shop',
        '    key: shop-key',
        '    secret: shop-secret',
        '  - id: blog',
        '    key: blog-key',
        "    secret: 'blog: secret with spaces'",
        '',
      ].join('\n'),
    );
    const p = await spawnHerald(['--config', config]);
    procs.push(p);
    await roundTrip(p.port, { id: 'shop', key: 'shop-key', secret: 'shop-secret' });
    await roundTrip(p.port, { id: 'blog', key: 'blog-key', secret: 'blog: secret with spaces' });
    // The development app does not exist once a file defines apps: 4001, and pusher-js stops.
    const stranger = client(p.port, 'app-key');
    const log = stateLog(stranger);
    const errors: string[] = [];
    stranger.connection.bind('error', (e: unknown) => errors.push(JSON.stringify(e)));
    await state(stranger, 'disconnected');
    assert.deepEqual(log, ['disconnected']);
    assert.match(errors.join(), /4001/);
    assert.ok(!p.output().includes('blog: secret with spaces'), 'the secret is never printed');
  });

  test('environment variables alone define the app', async () => {
    const p = await spawnHerald([], {
      HERALD_APP_ID: 'env-app',
      HERALD_APP_KEY: 'env-key',
      HERALD_APP_SECRET: 'env-secret',
    });
    procs.push(p);
    await roundTrip(p.port, { id: 'env-app', key: 'env-key', secret: 'env-secret' });
    const c = client(p.port, 'env-key');
    await connected(c);
  });
});

describe('the environment in the way', () => {
  test('a taken port: exit 1 with one line naming the address and how to change it, no stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = run(['start', '--port', String(port)]);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, new RegExp(`127\\.0\\.0\\.1:${port}.*in use.*--port`));
      assert.doesNotMatch(r.out, /\n\s+at /, 'no stack trace');
    } finally {
      blocker.close();
    }
  });
});

describe('configuration mistakes exit 2 naming the problem, and nothing starts', () => {
  const cases: [string, () => { args: string[]; env?: Record<string, string> }, RegExp][] = [
    [
      'a typo in an app key',
      () => ({
        args: [
          '--config',
          file('typo.yaml', 'apps:\n  - id: a\n    key: k\n    secret: s\n    clientEvnts: true\n'),
        ],
      }),
      /apps\[0\]\.clientEvnts/,
    ],
    [
      'an app without a secret',
      () => ({ args: ['--config', file('nosecret.json', '{"apps":[{"id":"a","key":"k"}]}')] }),
      /apps\[0\]\.secret/,
    ],
    ['a port out of range from the environment', () => ({ args: [], env: { HERALD_PORT: '70000' } }), /port/],
    ['a port that is not a number from a flag', () => ({ args: ['--port', 'eighty'] }), /--port/],
    ['broken YAML', () => ({ args: ['--config', file('broken.yaml', 'port: [1\n')] }), /broken\.yaml/],
    ['a missing config file', () => ({ args: ['--config', join(dir, 'nope.yaml')] }), /nope\.yaml/],
    ['an unknown flag', () => ({ args: ['--prot', '6001'] }), /--prot/],
    [
      'duplicate app keys',
      () => ({
        args: [
          '--config',
          file('dup.json', '{"apps":[{"id":"a","key":"k","secret":"s"},{"id":"b","key":"k","secret":"t"}]}'),
        ],
      }),
      /key/,
    ],
  ];
  for (const [what, setup, mentions] of cases) {
    test(what, () => {
      const { args, env } = setup();
      const r = run(['start', ...args], env);
      assert.equal(r.code, 2, r.out);
      assert.match(r.out, mentions);
      assert.doesNotMatch(r.out, /listening/);
    });
  }
});
