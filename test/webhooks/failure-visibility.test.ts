/**
 * Failing webhooks are visible: a bad target URL stops the start; a target's first failed attempt is a
 * warn line with the status code and the next try, then at most one line a minute while it keeps
 * failing, then a recovery line; `herald webhooks status` prints each target's last outcome from the
 * Redis queue and says clearly why it cannot with the in-memory one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/schema-dsl.js';
import type { Logger } from '../../src/logging/logger.js';
import { FAILING_LOG_INTERVAL_MS, TargetHealth } from '../../src/webhooks/target-health.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { connect, subscribed } from '../helpers/webhook-clients.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));
const REDIS_URL = process.env['HERALD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A real pino logger writing JSON lines into memory, with a wait for a line. */
function captureLogger(): {
  logger: Logger;
  lines: LogLine[];
  waitFor(msg: string, ms?: number): Promise<LogLine>;
} {
  const lines: LogLine[] = [];
  let waiters: (() => void)[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as LogLine);
      for (const w of waiters) w();
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream),
    lines,
    waitFor(msg, ms = 10_000) {
      const found = () => lines.find((l) => l.msg === msg);
      const now = found();
      if (now) return Promise.resolve(now);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no log line "${msg}" in ${ms} ms: ${JSON.stringify(lines)}`)),
          ms,
        );
        const w = () => {
          const l = found();
          if (!l) return;
          clearTimeout(timer);
          waiters = waiters.filter((x) => x !== w);
          resolve(l);
        };
        waiters.push(w);
      });
    },
  };
}

describe('target URLs are checked when the configuration loads', () => {
  const load = (url: string, extra: Record<string, unknown> = {}) =>
    loadConfig({
      env: {},
      overrides: { apps: [{ ...TEST_APP, webhooks: [{ url, events: ['channel_occupied'], ...extra }] }] },
    });
  const problems = (url: string) => {
    try {
      load(url);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems.join('\n');
    }
    assert.fail(`${url} was accepted`);
  };

  test('not a URL, another scheme, or credentials in it: a problem naming the target', () => {
    assert.match(
      problems('not a url'),
      /apps\[0\]\.webhooks\[0\]\.url: expected an http:\/\/ or https:\/\/ URL/,
    );
    assert.match(problems('ftp://example.com/hook'), /apps\[0\]\.webhooks\[0\]\.url: .*scheme ftp:/);
    const creds = problems('https://hook:s3cret-pass@example.com/in');
    assert.match(creds, /credentials in the URL/);
    assert.match(creds, /allowUrlCredentials/);
    assert.doesNotMatch(creds, /s3cret-pass/);
  });

  test('http and https URLs with a host pass; credentials pass when allowed on the target', () => {
    assert.equal(load('https://example.com/hook').apps[0]!.webhooks[0]!.url, 'https://example.com/hook');
    assert.equal(load('http://127.0.0.1:3000').apps[0]!.webhooks.length, 1);
    const allowed = load('https://u:p@example.com/in', { allowUrlCredentials: true });
    assert.equal(allowed.apps[0]!.webhooks[0]!.allowUrlCredentials, true);
  });

  test('`herald start` with a bad target URL exits 2 naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-wh-url-'));
    try {
      const file = join(dir, 'herald.json');
      writeFileSync(file, JSON.stringify({ apps: [{ ...TEST_APP, webhooks: [{ url: 'not a url' }] }] }));
      const r = spawnSync(process.execPath, [BIN, 'start', '--port', '0', '--config', file], {
        env: { PATH: process.env['PATH'] ?? '', HERALD_METRICS: 'false', HERALD_CONSOLE: 'false' },
        encoding: 'utf8',
        timeout: 10_000,
      });
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /apps\[0\]\.webhooks\[0\]\.url: expected an http/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('a failing target: the first failure at warn, then one line a minute at most, then its recovery', () => {
  const { logger, lines } = captureLogger();
  let now = 1_000_000;
  const health = new TargetHealth(logger, () => now);
  const attempt = (ok: boolean, at: number) => {
    now = at;
    return health.report({
      target: 'app:t1',
      appId: 'app',
      url: 'https://hooks.example.com/in?token=abc123',
      ok,
      ...(ok ? { status: 200 } : { status: 503, error: 'HTTP 503', nextTryAt: at + 2000 }),
    });
  };
  const first = attempt(false, 1_000_000);
  assert.equal(first.failingSince, 1_000_000);
  attempt(false, 1_010_000);
  attempt(false, 1_000_000 + FAILING_LOG_INTERVAL_MS - 1);
  attempt(false, 1_000_000 + FAILING_LOG_INTERVAL_MS);
  attempt(false, 1_000_000 + FAILING_LOG_INTERVAL_MS + 5000);
  const back = attempt(true, 1_000_000 + FAILING_LOG_INTERVAL_MS + 9000);
  assert.equal(back.ok, true);
  assert.equal(back.failingSince, undefined);
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      [40, 'webhook target failing; will retry'],
      [40, 'webhook target still failing'],
      [30, 'webhook target recovered'],
    ],
  );
  assert.equal(lines[0]!['status'], 503);
  assert.equal(lines[0]!['nextTry'], new Date(1_002_000).toISOString());
  assert.equal(lines[0]!['nextTryInS'], 2);
  assert.equal(lines[1]!['failuresSinceLastLine'], 3);
  assert.equal(lines[2]!['failures'], 5);
  // The token in the URL never reaches a log line.
  assert.ok(lines.every((l) => !JSON.stringify(l).includes('abc123')));
  assert.ok(lines.every((l) => l['url'] === 'https://hooks.example.com/in?token=***'));
});

describe('a real receiver failing then recovering, seen in the log and by `herald webhooks status`', () => {
  const PREFIX = `herald-test-${randomUUID()}`;
  let receiver: WebhookReceiver;
  let server: TestServer;
  let capture: ReturnType<typeof captureLogger>;
  let dir: string;
  let configFile: string;
  const clients: PusherJs[] = [];

  before(async () => {
    receiver = await WebhookReceiver.start(TEST_APP);
    receiver.mode = 500;
    capture = captureLogger();
    const config = {
      adapter: { redisUrl: REDIS_URL, prefix: PREFIX },
      webhooks: { batchWindowMs: 10, timeoutMs: 1000, retryBaseMs: 100, retryMaxMs: 200 },
      apps: [
        { ...TEST_APP, webhooks: [{ url: receiver.url('/hook'), events: ['channel_occupied' as const] }] },
      ],
    };
    server = await startHerald(config, { logger: capture.logger });
    dir = mkdtempSync(join(tmpdir(), 'herald-wh-status-'));
    configFile = join(dir, 'herald.json');
    writeFileSync(configFile, JSON.stringify(config));
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`{${PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  function status(extraEnv: Record<string, string> = {}) {
    const r = spawnSync(process.execPath, [BIN, 'webhooks', 'status', '--config', configFile], {
      env: { PATH: process.env['PATH'] ?? '', ...extraEnv },
      encoding: 'utf8',
      timeout: 10_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  test('first failure: one warn line with the status code and the next try; status says FAILING', async () => {
    const c = await connect(server.app, server.port);
    clients.push(c);
    await subscribed(c, 'visible-1');
    const warn = await capture.waitFor('webhook target failing; will retry');
    assert.equal(warn.level, 40);
    assert.equal(warn['status'], 500);
    assert.equal(warn['app'], TEST_APP.id);
    assert.match(String(warn['nextTry']), /^\d{4}-\d\d-\d\dT/);
    // More attempts fail before anything else is logged about this target.
    await receiver.waitFor('three attempts', () => receiver.requests.length >= 3);
    const s = status();
    assert.equal(s.code, 1, s.out + s.err);
    assert.match(s.out, /app-id\s+http:\/\/127\.0\.0\.1:\d+\/hook\s+FAILING: HTTP 500/);
    assert.match(s.out, /failing since .*; next try /);
  });

  test('recovery: one info line, no "still failing" line before it (under a minute), status says ok', async () => {
    receiver.mode = 200;
    const back = await capture.waitFor('webhook target recovered');
    assert.equal(back.level, 30);
    const about = capture.lines.filter(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('webhook target'),
    );
    assert.deepEqual(
      about.map((l) => l.msg),
      ['webhook target failing; will retry', 'webhook target recovered'],
    );
    const s = status();
    assert.equal(s.code, 0, s.out + s.err);
    assert.match(s.out, /ok \(HTTP 200\)/);
  });

  test('with the in-memory queue, status lists the targets and says why it cannot know more', () => {
    const memFile = join(dir, 'memory.json');
    writeFileSync(
      memFile,
      JSON.stringify({ apps: [{ ...TEST_APP, webhooks: [{ url: receiver.url('/m') }] }] }),
    );
    const r = spawnSync(process.execPath, [BIN, 'webhooks', 'status', '--config', memFile], {
      env: { PATH: process.env['PATH'] ?? '' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(r.status, 2);
    assert.match(r.stdout, /app-id\s+http:\/\/127\.0\.0\.1:\d+\/m\s+unknown \(in memory\)/);
    assert.match(r.stderr, /No shared webhook queue is configured/);
    assert.match(r.stderr, /HERALD_REDIS_URL/);
  });
});
