/**
 * The one AppStore contract, run against every store (app-stores.test.ts): lookups by key and id
 * through the cache Herald uses, the admin operations and their refusals, and changes reaching a
 * second node (a second source on the same table) within 2 s. Read-only stores (the file) run the
 * lookup half and check that writes are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppAdmin } from '../../src/apps/app-admin.js';
import { AppCache, type AppUpdate } from '../../src/apps/app-cache.js';
import { type AppSource, AppStoreError } from '../../src/apps/app-store.js';
import { acceptedSecrets } from '../../src/apps/secrets.js';
import type { AppConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logging/logger.js';

export interface StoreUnderTest {
  name: string;
  /** A new source on the same apps: another node. Each call is a fresh connection. */
  node(): AppSource;
  /** Apps present before the suite (read-only stores). */
  seeded?: AppConfig[];
  /** Without a previous-secret column (soketi): rotations must use grace 0. */
  noGrace?: string;
  /** For read-only stores: replaces the apps and announces it (a reload). */
  reload?(apps: AppConfig[]): void;
  cleanup(): Promise<void>;
}

/** Counts what reaches the source, to prove the cache keeps lookups off it. */
class Counting {
  byKey = 0;
  byId = 0;
  wrap(source: AppSource): AppSource {
    return new Proxy(source, {
      get: (target, prop, recv) => {
        if (prop === 'byKey')
          return (k: string) => {
            this.byKey++;
            return target.byKey(k);
          };
        if (prop === 'byId')
          return (k: string) => {
            this.byId++;
            return target.byId(k);
          };
        const v = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }
}

function waitForUpdate(cache: AppCache, match: (u: AppUpdate) => boolean, what: string): Promise<AppUpdate> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no update within 2 s: ${what}`));
    }, 2000);
    const off = cache.onUpdate((u) => {
      if (!match(u)) return;
      clearTimeout(timer);
      off();
      resolve(u);
    });
  });
}

export function appStoreContract(make: () => Promise<StoreUnderTest>): void {
  let s: StoreUnderTest;
  let a: AppCache;
  let b: AppCache;
  let admin: AppAdmin;
  let counted: Counting;
  const opened: AppCache[] = [];

  const open = async (source: AppSource, ttlMs = 60_000) => {
    const cache = new AppCache(source, ttlMs, silentLogger());
    await cache.start();
    opened.push(cache);
    return cache;
  };

  before(async () => {
    s = await make();
    counted = new Counting();
    a = await open(counted.wrap(s.node()));
    b = await open(s.node());
    admin = new AppAdmin(s.node());
    await admin.source.start({ changed: () => undefined, failed: () => undefined });
  });

  after(async () => {
    for (const c of opened) await c.close();
    await admin.source.close();
    await s.cleanup();
  });

  describe('lookups', () => {
    test('unknown key and id answer undefined, and a flood of one unknown key reaches the source once', async () => {
      const before = counted.byKey;
      for (let i = 0; i < 50; i++) assert.equal(await a.byKey('no-such-key'), undefined);
      await Promise.all(Array.from({ length: 50 }, () => a.byKey('no-such-key-2')));
      assert.equal(counted.byKey - before, 2);
      assert.equal(await a.byId('no-such-id'), undefined);
    });
  });

  test('read-only stores refuse writes and still list', async (t) => {
    if (admin.source.writable) return t.skip('writable store: the write tests below cover it');
    await assert.rejects(
      admin.add({ id: 'x1', key: 'x1-key' }),
      (e: unknown) => (e as AppStoreError).kind === 'readOnly',
    );
    const ids = (await admin.list()).map((v) => v.id);
    assert.deepEqual(
      ids,
      s.seeded!.map((x) => x.id),
    );
    const seededKey = s.seeded![0]!.key;
    const before = counted.byKey;
    const app = await a.byKey(seededKey);
    assert.equal(app?.id, s.seeded![0]!.id);
    await a.byKey(seededKey);
    await a.byId(s.seeded![0]!.id);
    assert.equal(counted.byKey - before, 1, 'the second lookup is served from the cache');
  });

  test('read-only stores: a reload reaches the cache, a new app is accepted at once', async (t) => {
    if (!s.reload) return t.skip('the store changes through writes, tested below');
    const first = s.seeded![0]!;
    await b.byKey(first.key);
    assert.equal(await b.byKey('added-key'), undefined);
    const changed = waitForUpdate(
      b,
      (u) => u.id === first.id && u.after?.enabled === false,
      'disable via reload',
    );
    s.reload([
      { ...first, enabled: false },
      { ...first, id: 'added', key: 'added-key' },
    ]);
    await changed;
    assert.equal((await b.byKey('added-key'))?.id, 'added');
  });

  describe('writes', () => {
    let created: AppConfig;

    test('add generates credentials, and both nodes find the app by key and by id', async (t) => {
      if (!admin.source.writable) return t.skip('read-only store');
      assert.equal(await b.byKey('tenant-key'), undefined);
      created = await admin.add({
        id: 'tenant-1',
        key: 'tenant-key',
        clientEvents: true,
        limits: { maxConnections: 10 },
        webhooks: [
          {
            url: 'http://127.0.0.1:9/hook',
            events: ['channel_occupied'],
            filter: { channelPrefix: 'beta-' },
          },
        ],
      });
      assert.match(created.secret, /^[0-9a-f]{40}$/);
      const fromA = await a.byKey('tenant-key');
      const fromB = await b.byId('tenant-1');
      assert.deepEqual(fromA, created);
      assert.deepEqual(fromB, created);
      const shown = await admin.show('tenant-1');
      assert.equal('secret' in shown, false, 'show never prints the secret');
      assert.deepEqual(
        (await admin.list()).map((v) => v.id).filter((id) => id === 'tenant-1'),
        ['tenant-1'],
      );
    });

    test('refusals: duplicate key, duplicate id, invalid id, unknown option, unknown app', async (t) => {
      if (!admin.source.writable) return t.skip('read-only store');
      const kind = (k: string) => (e: unknown) => {
        assert.ok(e instanceof AppStoreError, String(e));
        assert.equal(e.kind, k, e.message);
        return true;
      };
      await assert.rejects(admin.add({ id: 'tenant-2', key: 'tenant-key' }), kind('duplicate'));
      await assert.rejects(admin.add({ id: 'tenant-1', key: 'other-key' }), /id "tenant-1" already exists/);
      await assert.rejects(admin.add({ id: 'bad id/', key: 'k-3' }), /invalid id/);
      await assert.rejects(admin.add({ id: 't-4', key: 'k-4', colour: 'red' }), /colour: unknown key/);
      await assert.rejects(admin.update('tenant-1', { limits: { maxConnections: -1 } }), /at least 0/);
      await assert.rejects(admin.show('missing'), kind('notFound'));
      await assert.rejects(admin.remove('missing'), kind('notFound'));
    });

    test('an update reaches the other node within 2 s: limits and webhook targets', async (t) => {
      if (!admin.source.writable) return t.skip('read-only store');
      await b.byId('tenant-1');
      const seen = waitForUpdate(b, (u) => u.after?.limits.maxConnections === 20, 'limits on node B');
      await admin.update('tenant-1', {
        limits: { maxConnections: 20 },
        webhooks: [{ url: 'http://127.0.0.1:9/new', events: ['member_added'] }],
      });
      const u = await seen;
      assert.equal(
        u.after!.limits.maxChannelsPerEvent,
        created.limits.maxChannelsPerEvent,
        'other limits kept',
      );
      assert.equal(u.after!.webhooks[0]!.url, 'http://127.0.0.1:9/new');
    });

    test('disable and enable reach the other node', async (t) => {
      if (!admin.source.writable) return t.skip('read-only store');
      const off = waitForUpdate(b, (u) => u.after?.enabled === false, 'disabled');
      await admin.setEnabled('tenant-1', false);
      await off;
      const on = waitForUpdate(b, (u) => u.after?.enabled === true, 'enabled');
      await admin.setEnabled('tenant-1', true);
      await on;
    });

    test('rotate-secret: a new secret, the old one accepted until the grace period ends', async (t) => {
      if (!admin.source.writable) return t.skip('read-only store');
      const old = (await admin.source.byId('tenant-1'))!.secret;
      if (s.noGrace) {
        await assert.rejects(admin.rotateSecret('tenant-1', 3600), new RegExp(s.noGrace));
        const seen = waitForUpdate(
          b,
          (u) => u.after?.secret !== undefined && u.after.secret !== old,
          'rotated',
        );
        const r = await admin.rotateSecret('tenant-1', 0);
        assert.deepEqual(acceptedSecrets((await seen).after!, Date.now()), [r.secret]);
        return;
      }
      const seen = waitForUpdate(b, (u) => u.after?.previousSecret === old, 'rotated on node B');
      const r = await admin.rotateSecret('tenant-1', 3600);
      assert.notEqual(r.secret, old);
      const rotated = (await seen).after!;
      assert.deepEqual(acceptedSecrets(rotated, Date.now()), [r.secret, old]);
      assert.deepEqual(acceptedSecrets(rotated, Date.now() + 3601_000), [r.secret]);
      const shown = await admin.show('tenant-1');
      assert.equal(
        shown.previousSecretExpiresAt,
        rotated.previousSecretExpiresAt,
        'show says when the old secret ends',
      );
      assert.equal('previousSecret' in shown, false);
    });

    test('remove reaches the other node; the key is then unknown', async (t) => {
      if (!admin.source.writable) return t.skip('read-only store');
      await b.byKey('tenant-key');
      const gone = waitForUpdate(b, (u) => u.id === 'tenant-1' && u.after === undefined, 'removed');
      await admin.remove('tenant-1');
      await gone;
      assert.equal(await b.byKey('tenant-key'), undefined);
    });

    test('a key refused while unknown is accepted at once when the app is added', async (t) => {
      if (!admin.source.writable) return t.skip('read-only store');
      assert.equal(await b.byKey('late-key'), undefined);
      await admin.add({ id: 'late', key: 'late-key' });
      const deadline = Date.now() + 2000;
      let found: AppConfig | undefined;
      while (!found && Date.now() < deadline) {
        found = await b.byKey('late-key');
        if (!found) await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(found?.id, 'late');
    });
  });
}
