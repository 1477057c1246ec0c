/**
 * A way in from soketi: its config file (apps, webhooks, Redis, rate limits, presence limits) and its
 * SOKETI_* variables become a Herald configuration in which every setting is mapped or listed as not
 * applicable with a reason; the written file starts Herald, and pusher-js, the SDK and a webhook
 * receiver see soketi's apps, limits and webhooks in force.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { importSoketi } from '../../src/importers/soketi/import.js';
import { optionsFromConfig, optionsFromEnv } from '../../src/importers/soketi/options.js';
import { UNLIMITED_CLIENT_EVENT_RATE } from '../../src/protocol/limits.js';
import { type HeraldProcess, spawnHerald } from '../helpers/process.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { connect, sdk, subscribed } from '../helpers/webhook-clients.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));
const REDIS = new URL(process.env['HERALD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const SHOP = { id: 'shop', key: 'shop-key', secret: 'shop-secret' };

/** A soketi 1.x config as its users write it: nested and dotted keys, several key spellings. */
function soketiConfig(hookUrl: string, prefix: string): Record<string, unknown> {
  return {
    debug: false,
    port: 0,
    'adapter.driver': 'redis',
    adapter: { redis: { prefix } },
    database: { redis: { host: REDIS.hostname, port: Number(REDIS.port || 6379), db: 0 } },
    'queue.driver': 'redis',
    presence: { maxMembersPerChannel: 2, maxMemberSizeInKb: 1 },
    'eventLimits.maxPayloadInKb': 20,
    'metrics.enabled': false,
    shutdownGracePeriod: 1500,
    cluster: { port: 11002 },
    'rateLimiter.driver': 'redis',
    'appManager.array.apps': [
      {
        ...SHOP,
        max_connections: 50,
        enableClientMessages: true,
        maxBackendEventsPerSecond: 100,
        maxReadRequestsPerSecond: 50,
        maxClientEventsPerSecond: 5,
        webhooks: [
          {
            url: hookUrl,
            event_types: ['channel_occupied', 'member_added'],
            filter: { channel_name_starts_with: 'presence-' },
            headers: { 'X-From': 'soketi' },
          },
          { lambda_function: 'on-client-event', event_types: ['client_event'] },
        ],
      },
      {
        id: 'blog',
        key: 'blog-key',
        secret: 'blog-secret',
        enabled: false,
        maxPresenceMembersPerChannel: 50,
      },
    ],
  };
}

describe('the mapping', () => {
  test('a config file: every setting mapped or not applicable with a reason, limits and webhooks carried over', () => {
    const options = optionsFromConfig(soketiConfig('https://hooks.example.com/pusher', 'sk'));
    const { config, report } = importSoketi(options);
    assert.deepEqual(config, {
      port: 0,
      log: { level: 'info' },
      adapter: { prefix: 'sk', redisUrl: `redis://${REDIS.hostname}:${REDIS.port || 6379}` },
      metrics: { enabled: false },
      shutdownTimeout: 2,
      apps: [
        {
          ...SHOP,
          clientEvents: true,
          limits: {
            maxConnections: 50,
            maxPresenceMembers: 2,
            maxPresenceUserInfoBytes: 1024,
            maxEventPayloadBytes: 20480,
            maxClientEventsPerSecond: 5,
            maxApiRequestsPerSecond: 150,
          },
          webhooks: [
            {
              url: 'https://hooks.example.com/pusher',
              events: ['channel_occupied', 'member_added'],
              filter: { channelPrefix: 'presence-' },
              headers: { 'X-From': 'soketi' },
            },
          ],
        },
        {
          id: 'blog',
          key: 'blog-key',
          secret: 'blog-secret',
          enabled: false,
          limits: { maxPresenceMembers: 50, maxPresenceUserInfoBytes: 1024, maxEventPayloadBytes: 20480 },
        },
      ],
    });
    // Every option read is accounted for, each not-applicable one with its reason.
    for (const key of options.keys()) {
      assert.ok(
        report.notes.some((n) => n.soketi === key),
        `${key} is missing from the report`,
      );
    }
    for (const n of report.notes)
      if (n.herald === null) assert.ok(n.reason.length > 10, `${n.soketi}: no reason`);
    const na = (k: string) => report.notes.find((n) => n.soketi === k && n.herald === null)?.reason ?? '';
    assert.match(na('apps[0].webhooks[1]'), /Lambda/);
    assert.match(na('cluster.port'), /IPC|Redis/);
    assert.match(na('rateLimiter.driver'), /each node/);
  });

  test('SOKETI_* variables: the default app, the server, and unknown variables reported', () => {
    const { options, unknown } = optionsFromEnv({
      SOKETI_DEFAULT_APP_ID: 'a1',
      SOKETI_DEFAULT_APP_KEY: 'k1',
      SOKETI_DEFAULT_APP_SECRET: 's1',
      SOKETI_DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'true',
      SOKETI_DEFAULT_APP_MAX_CONNS: '10',
      SOKETI_DEFAULT_APP_USER_AUTHENTICATION: 'true',
      SOKETI_USER_AUTHENTICATION_TIMEOUT: '15000',
      SOKETI_PRESENCE_MAX_MEMBERS: '7',
      SOKETI_PORT: '7001',
      SOKETI_ADAPTER_DRIVER: 'cluster',
      SOKETI_METRICS_PROMETHEUS_PREFIX: 'x_',
      SOKETI_NOT_A_THING: '1',
      PATH: '/usr/bin',
    });
    assert.deepEqual(unknown, ['SOKETI_NOT_A_THING']);
    const { config, report } = importSoketi(options);
    assert.deepEqual(config, {
      port: 7001,
      apps: [
        {
          id: 'a1',
          key: 'k1',
          secret: 's1',
          clientEvents: true,
          authorizedConnections: true,
          authorizedConnectionsTimeout: 15,
          limits: { maxConnections: 10, maxPresenceMembers: 7 },
        },
      ],
    });
    assert.ok(
      report.notes.some(
        (n) => n.soketi === 'adapter.driver' && n.herald === null && /--workers/.test(n.reason),
      ),
    );
    assert.ok(report.notes.some((n) => n.soketi === 'metrics.prometheus.prefix' && n.herald === null));
  });

  test('an unlimited client-event rate (-1) becomes the rate the soketi apps table maps it to', () => {
    const fromFile = importSoketi(
      optionsFromConfig({
        'appManager.array.apps': [{ id: 'u', key: 'uk', secret: 'us', maxClientEventsPerSecond: -1 }],
      }),
    ).config;
    const fromEnv = importSoketi(
      optionsFromEnv({
        SOKETI_DEFAULT_APP_ID: 'u',
        SOKETI_DEFAULT_APP_KEY: 'uk',
        SOKETI_DEFAULT_APP_SECRET: 'us',
        SOKETI_DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SEC: '-1',
      }).options,
    ).config;
    for (const config of [fromFile, fromEnv]) {
      const apps = config['apps'] as { limits?: Record<string, number> }[];
      assert.equal(apps[0]?.limits?.['maxClientEventsPerSecond'], UNLIMITED_CLIENT_EVENT_RATE);
    }
  });

  test('soketi apps in MySQL: Herald reads the same table', () => {
    const options = optionsFromConfig({
      'appManager.driver': 'mysql',
      'appManager.mysql.table': 'soketi_apps',
      'appManager.cache.ttl': 120,
      database: { mysql: { host: 'db', port: 3307, user: 'sk', password: 'p w', database: 'rt' } },
    });
    assert.deepEqual(importSoketi(options).config, {
      appStore: {
        table: 'soketi_apps',
        cacheTtl: 120,
        driver: 'mysql',
        url: 'mysql://sk:p%20w@db:3307/rt',
        schema: 'soketi',
      },
    });
  });
});

describe('`herald import soketi`, then `herald start` with the result', () => {
  const prefix = `herald-test-${randomUUID()}`;
  let dir: string;
  let receiver: WebhookReceiver;
  let herald: HeraldProcess;
  const clients: PusherJs[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-soketi-'));
    receiver = await WebhookReceiver.start(SHOP);
    writeFileSync(join(dir, 'soketi.json'), JSON.stringify(soketiConfig(receiver.url('/pusher'), prefix)));
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    if (herald) {
      herald.child.kill('SIGKILL');
      await herald.exited;
    }
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    const redis = new Redis(REDIS.href);
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  test('import writes a private config file and lists what does not apply', () => {
    const out = join(dir, 'herald.json');
    const r = spawnSync(process.execPath, [BIN, 'import', 'soketi', join(dir, 'soketi.json'), '--out', out], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Mapped:\n[\s\S]*apps\[0\]\.enableClientMessages -> apps\[0\]\.clientEvents/);
    assert.match(r.stderr, /Not applicable:\n[\s\S]*apps\[0\]\.webhooks\[1\]: an AWS Lambda target/);
    assert.equal(statSync(out).mode & 0o777, 0o600, 'the file holds app secrets');
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { apps: unknown[] }).apps.length, 2);
  });

  test('Herald starts on it: the apps, the presence limit, client events and the filtered webhooks hold', async () => {
    herald = await spawnHerald(['--config', join(dir, 'herald.json')], { HERALD_CONSOLE: 'false' });
    const [alice, bob, carol] = await Promise.all(
      ['alice', 'bob', 'carol'].map((u) => connect(SHOP, herald.port, u)),
    );
    clients.push(alice!, bob!, carol!);
    // A public channel first: its channel_occupied must not pass the presence- filter.
    await subscribed(alice!, 'news');
    await subscribed(alice!, 'presence-room');
    const bobRoom = await subscribed(bob!, 'presence-room');
    // soketi's presence limit (2 members) is Herald's now: a third user is refused.
    const refused = new Promise<string>((resolve) =>
      carol!.connection.bind('error', (e: { data?: { message?: string } }) => resolve(e.data?.message ?? '')),
    );
    carol!.subscribe('presence-room');
    assert.match(await refused, /is full \(2 members\)/);
    // Client events are on, as enableClientMessages was.
    const whisper = new Promise<unknown>((resolve) => bobRoom.bind('client-typing', resolve));
    alice!.channel('presence-room')!.trigger('client-typing', { who: 'alice' });
    assert.deepEqual(await whisper, { who: 'alice' });
    // The webhook kept its event types, its channel filter and its headers, through the Redis queue.
    await receiver.waitFor('member_added for both members', () =>
      ['alice', 'bob'].every((u) =>
        receiver.acceptedEvents().some((e) => e.name === 'member_added' && e.user_id === u),
      ),
    );
    const events = receiver.acceptedEvents();
    assert.ok(
      events.every((e) => e.channel.startsWith('presence-')),
      JSON.stringify(events),
    );
    assert.ok(events.some((e) => e.name === 'channel_occupied' && e.channel === 'presence-room'));
    assert.ok(receiver.accepted.every((r) => r.headers['x-from'] === 'soketi' && r.valid));
    // The second app is there, disabled as it was in soketi: its API calls are refused.
    await assert.rejects(
      sdk({ id: 'blog', key: 'blog-key', secret: 'blog-secret' }, herald.port).trigger('c', 'e', {}),
      {
        status: 403,
      },
    );
  });
});
