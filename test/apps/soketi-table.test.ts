/**
 * A soketi user's database, unchanged: soketi's `apps` table created and filled the way soketi's
 * documentation shows (PostgreSQL and MariaDB), then Herald pointed at it with `schema: "soketi"`.
 * pusher-js connects with the row's key, private channels sign with its secret, client events follow
 * `enable_client_messages`, soketi's webhook JSON reaches a receiver, and a disabled row refuses 4003.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SOKETI_MYSQL_TABLE, SOKETI_PG_TABLE, SOKETI_ROW } from '../fixtures/soketi-tables.js';
import { type Creds, client, sdk } from '../helpers/admin-api.js';
import { connected, once } from '../helpers/clients.js';
import { createMysqlDatabase, mysqlQuery, PG_URL, pgQuery, uniqueName } from '../helpers/databases.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { RawClient } from '../helpers/raw-client.js';
import { startHerald } from '../helpers/server.js';
import { eventually } from '../helpers/wait.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const app: Creds = { id: SOKETI_ROW.id, key: SOKETI_ROW.key, secret: SOKETI_ROW.secret };

function soketiSuite(
  name: string,
  setup: (webhooks: string) => Promise<{
    driver: 'postgres' | 'mysql';
    url: string;
    table: string;
    disable(): Promise<void>;
    drop(): Promise<void>;
  }>,
) {
  describe(name, () => {
    const clients: PusherJs[] = [];
    let drop: () => Promise<void> = async () => undefined;
    let receiver: WebhookReceiver;
    after(async () => {
      for (const c of clients) c.disconnect();
      await receiver?.close();
      await drop();
    });

    test("Herald serves soketi's table as it stands", async () => {
      receiver = await WebhookReceiver.start(app);
      const hooks = JSON.stringify([
        {
          url: receiver.url(),
          event_types: ['channel_occupied'],
          filter: { channel_name_starts_with: 'private-' },
        },
      ]);
      const db = await setup(hooks);
      drop = db.drop;
      const server = await startHerald({
        appStore: { driver: db.driver, url: db.url, table: db.table, schema: 'soketi', cacheTtl: 1 },
      });
      try {
        const a = client(server.port, app);
        const b = client(server.port, app);
        clients.push(a, b);
        await Promise.all([connected(a), connected(b)]);
        const chA = a.subscribe('private-chat');
        const chB = b.subscribe('private-chat');
        await Promise.all([
          once(chA, 'pusher:subscription_succeeded'),
          once(chB, 'pusher:subscription_succeeded'),
        ]);
        const fromApi = once(chB, 'greeting');
        await sdk(server.port, app).trigger('private-chat', 'greeting', { hi: 1 });
        await fromApi;
        // enable_client_messages = 1
        const whisper = once(chB, 'client-typing');
        chA.trigger('client-typing', { who: 'a' });
        await whisper;
        // soketi's webhook JSON: url, event_types, filter.channel_name_starts_with
        // Signed with the row's secret: the receiver checks it with the official SDK.
        await receiver.waitFor('channel_occupied', () =>
          receiver
            .acceptedEvents()
            .some((e) => e['name'] === 'channel_occupied' && e['channel'] === 'private-chat'),
        );
        // A row disabled in SQL, by hand: refused once the cache re-reads it (cacheTtl 1 s).
        await db.disable();
        await eventually('the disabled row to refuse new connections', async () => {
          const { client: raw, first } = await RawClient.connect(server.wsUrl(`/app/${app.key}?protocol=7`));
          if (first.event !== 'pusher:error') {
            raw.ws.close();
            throw new Error('still accepted');
          }
          assert.equal((await raw.closed).code, 4003);
        });
      } finally {
        await server.close();
      }
    });
  });
}

soketiSuite('PostgreSQL', async (webhooks) => {
  const table = uniqueName('apps');
  await pgQuery(PG_URL, SOKETI_PG_TABLE(table));
  const row = { ...SOKETI_ROW, webhooks };
  const cols = Object.keys(row);
  await pgQuery(
    PG_URL,
    `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(row),
  );
  return {
    driver: 'postgres',
    url: PG_URL,
    table,
    disable: async () => {
      await pgQuery(PG_URL, `UPDATE "${table}" SET enabled = 0 WHERE id = $1`, [app.id]);
    },
    drop: async () => {
      await pgQuery(PG_URL, `DROP TABLE IF EXISTS "${table}"`);
    },
  };
});

soketiSuite('MariaDB', async (webhooks) => {
  const db = await createMysqlDatabase();
  await mysqlQuery(db.url, SOKETI_MYSQL_TABLE('apps'));
  const row = { ...SOKETI_ROW, webhooks };
  await mysqlQuery(db.url, 'INSERT INTO apps SET ?', [row]);
  return {
    driver: 'mysql',
    url: db.url,
    table: 'apps',
    disable: async () => {
      await mysqlQuery(db.url, 'UPDATE apps SET enabled = 0 WHERE id = ?', [app.id]);
    },
    drop: db.drop,
  };
});
