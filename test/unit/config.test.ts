import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/schema-dsl.js';

function file(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
  const path = join(dir, 'herald.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the configuration to be refused');
}

describe('loadConfig', () => {
  test('defaults: 127.0.0.1:6001 and one development app with client events on', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 6001);
    assert.equal(c.activityTimeout, 120);
    assert.equal(c.apps.length, 1);
    assert.deepEqual(
      {
        id: c.apps[0]!.id,
        key: c.apps[0]!.key,
        secret: c.apps[0]!.secret,
        clientEvents: c.apps[0]!.clientEvents,
      },
      { id: 'app-id', key: 'app-key', secret: 'app-secret', clientEvents: true },
    );
    assert.equal(c.apps[0]!.limits.maxEventPayloadBytes, 10240);
    assert.equal(c.apps[0]!.limits.maxPresenceMembers, 10000);
  });

  test('flags beat env beat file beat defaults', () => {
    const path = file({ host: '0.0.0.0', port: 7000, pathPrefix: '/ws' });
    const c = loadConfig({
      file: path,
      env: { HERALD_PORT: '7001', HERALD_PATH_PREFIX: '/env' },
      flags: { port: '7002' },
    });
    assert.equal(c.host, '0.0.0.0', 'file value kept when nothing overrides it');
    assert.equal(c.pathPrefix, '/env', 'env beats file');
    assert.equal(c.port, 7002, 'flag beats env');
  });

  test('single-app environment variables define the app', () => {
    const c = loadConfig({ env: { HERALD_APP_ID: '42', HERALD_APP_KEY: 'k', HERALD_APP_SECRET: 's' } });
    assert.equal(c.apps.length, 1);
    assert.equal(c.apps[0]!.id, '42');
    assert.equal(c.apps[0]!.key, 'k');
    assert.equal(c.apps[0]!.clientEvents, false, 'Pusher default: client events off');
  });

  test('unknown keys, wrong types, duplicate keys and missing secrets are all named', () => {
    const path = file({
      bogus: 1,
      port: 'x',
      apps: [
        { id: 'a', key: 'k', secret: 's' },
        { id: 'b', key: 'k' },
      ],
    });
    const p = problems(() => loadConfig({ file: path, env: {} }));
    assert.ok(
      p.some((m) => m.startsWith('bogus: unknown key')),
      p.join('\n'),
    );
    assert.ok(
      p.some((m) => m.startsWith('port: expected an integer')),
      p.join('\n'),
    );
    assert.ok(
      p.some((m) => m.startsWith('apps[1].secret: is required')),
      p.join('\n'),
    );
    assert.ok(
      p.some((m) => m.startsWith('apps[1].key: duplicate app key')),
      p.join('\n'),
    );
  });

  test('bad env and flag values are refused with their source named', () => {
    const p = problems(() => loadConfig({ env: { HERALD_PORT: 'abc' }, flags: { nope: '1' } }));
    assert.ok(
      p.some((m) => m.startsWith('HERALD_PORT: expected an integer')),
      p.join('\n'),
    );
    assert.ok(
      p.some((m) => m.startsWith('--nope: unknown flag')),
      p.join('\n'),
    );
  });

  test('YAML config files are read too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
    const path = join(dir, 'herald.yaml');
    writeFileSync(
      path,
      'port: 7100\napps:\n  - id: y\n    key: yk\n    secret: ys\n    clientEvents: true\n',
    );
    const c = loadConfig({ file: path, env: {} });
    assert.equal(c.port, 7100);
    assert.equal(c.apps[0]!.key, 'yk');
    assert.equal(c.apps[0]!.clientEvents, true);
  });

  test('a config file that is not JSON is refused', () => {
    const p = problems(() => loadConfig({ file: file('{ nope'), env: {} }));
    assert.ok(p[0]?.includes('config file'), p.join('\n'));
  });

  test('HERALD_REDIS_URL selects the redis adapter', () => {
    const c = loadConfig({ env: { HERALD_REDIS_URL: 'redis://127.0.0.1:6379' } });
    assert.equal(c.adapter.driver, 'redis');
    assert.equal(c.adapter.redisUrl, 'redis://127.0.0.1:6379');
  });

  test('presence members may be raised past 100,000', () => {
    const c = loadConfig({
      env: {},
      overrides: {
        apps: [{ id: 'a', key: 'k', secret: 's', limits: { maxPresenceMembers: 250_000 } as never }],
      },
    });
    assert.equal(c.apps[0]!.limits.maxPresenceMembers, 250_000);
  });
});
