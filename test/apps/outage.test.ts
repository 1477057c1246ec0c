/**
 * A database stopped and restarted under traffic, on private PostgreSQL and MariaDB servers (never
 * the shared ones): apps already known keep working from the cache (pusher-js stays connected,
 * the SDK keeps publishing, new connections with a known key are accepted), unknown keys get 4100 on
 * the socket and 503 on the API, the outage is logged once, its end is logged, and after the restart
 * a newly added app is accepted. Nothing sent during the outage is lost.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { type Creds, client, sdk } from '../helpers/admin-api.js';
import { connected, once } from '../helpers/clients.js';
import { mysqlQuery, type PrivateDb, startPrivateMysql, startPrivatePostgres } from '../helpers/databases.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';

const OUTAGE = 'app store unreachable';
const RECOVERED = 'app store reachable again';

function outageSuite(
  name: string,
  startDb: () => Promise<{ db: PrivateDb; url: string }>,
  driver: 'postgres' | 'mysql',
) {
  describe(name, () => {
    let db: PrivateDb;
    let server: TestServer;
    let known: Creds;
    let p: PusherJs;
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(...chunk.toString().split('\n').filter(Boolean));
          cb();
        },
      }),
    );
    const count = (msg: string) => lines.filter((l) => l.includes(msg)).length;

    before(async () => {
      const started = await startDb();
      db = started.db;
      server = await startHerald(
        { appStore: { driver, url: started.url, cacheTtl: 1, pollMs: 200 } },
        { logger },
      );
      known = await server.herald.apps.add({ id: 'known', key: 'known-key' });
    });

    after(async () => {
      p?.disconnect();
      await server?.close();
      await db?.destroy();
    });

    test('known apps keep working through the outage, unknown keys are refused, recovery is reported', async () => {
      p = client(server.port, known);
      await connected(p);
      const ch = p.subscribe('room');
      await once(ch, 'pusher:subscription_succeeded');
      const received: number[] = [];
      ch.bind('tick', (d: { n: number }) => received.push(d.n));
      const api = sdk(server.port, known);
      let n = 0;
      const tick = async () => {
        await api.trigger('room', 'tick', { n: ++n });
      };
      await tick();

      await db.stop();
      // Traffic goes on; the cache's periodic re-read finds the database gone and says so once.
      await eventually('the outage to be logged', async () => {
        await tick();
        assert.equal(count(OUTAGE), 1);
      });
      for (let i = 0; i < 5; i++) await tick();
      const again = client(server.port, known);
      await connected(again);
      again.disconnect();
      const unknown = await RawClient.connect(server.wsUrl('/app/never-seen-key?protocol=7'));
      assert.equal((await unknown.client.closed).code, 4100, 'unknown key: retry later, not "no such app"');
      await assert.rejects(
        sdk(server.port, { id: 'never-seen', key: 'x', secret: 'y' }).trigger('room', 'x', {}),
        (e: { status?: number }) => e.status === 503,
      );
      assert.equal(count(OUTAGE), 1, 'logged once, not once per lookup');

      await db.start();
      await eventually(
        'the recovery to be logged',
        async () => {
          await tick();
          assert.equal(count(RECOVERED), 1);
        },
        20_000,
      );
      const added = await server.herald.apps.add({ id: 'after', key: 'after-key' });
      const fresh = client(server.port, added);
      await connected(fresh);
      fresh.disconnect();
      await eventually('every tick to arrive', async () => assert.equal(received.length, n));
      assert.deepEqual(
        received,
        Array.from({ length: n }, (_, i) => i + 1),
      );
    });
  });
}

outageSuite(
  'private PostgreSQL',
  async () => {
    const db = await startPrivatePostgres();
    return { db, url: db.url };
  },
  'postgres',
);

outageSuite(
  'private MariaDB',
  async () => {
    const db = await startPrivateMysql();
    await mysqlQuery(db.url, 'CREATE DATABASE herald');
    return { db, url: `${db.url}/herald` };
  },
  'mysql',
);
