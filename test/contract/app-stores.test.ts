/**
 * The AppStore contract against every store: the file store, and Herald's table and soketi's table
 * on the real PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306), each under its own table or
 * database, dropped afterwards.
 */
import { describe } from 'node:test';
import type { AppSource } from '../../src/apps/app-store.js';
import { FileAppSource } from '../../src/apps/file-source.js';
import { openAppSource } from '../../src/apps/open-source.js';
import type { AppConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logging/logger.js';
import { SOKETI_MYSQL_TABLE, SOKETI_PG_TABLE } from '../fixtures/soketi-tables.js';
import {
  createMysqlDatabase,
  dropPgTable,
  MYSQL_ROOT_URL,
  mysqlQuery,
  PG_URL,
  pgQuery,
  uniqueName,
} from '../helpers/databases.js';
import { testConfig } from '../helpers/server.js';
import { appStoreContract } from './app-store.contract.js';

function sqlStore(driver: 'postgres' | 'mysql', url: string, table: string, schema: 'herald' | 'soketi') {
  const config = testConfig({ appStore: { driver, url, table, schema, pollMs: 100 } });
  return (): AppSource => openAppSource(config, silentLogger());
}

describe('file store', () => {
  appStoreContract(async () => {
    const seeded = testConfig({
      apps: [
        { id: 'a1', key: 'k1', secret: 's1' },
        { id: 'a2', key: 'k2', secret: 's2' },
      ],
    }).apps;
    let current: AppConfig[] = seeded;
    const sources: FileAppSource[] = [];
    return {
      name: 'file',
      seeded,
      node: () => {
        const src = new FileAppSource({ apps: current, reload: () => current, logger: silentLogger() });
        sources.push(src);
        return src;
      },
      reload(apps) {
        current = apps;
        for (const src of sources) src.reload('test');
      },
      cleanup: async () => undefined,
    };
  });
});

describe('postgres, Herald table', () => {
  appStoreContract(async () => {
    const table = uniqueName();
    return {
      name: 'postgres',
      node: sqlStore('postgres', PG_URL, table, 'herald'),
      cleanup: () => dropPgTable(table),
    };
  });
});

describe('mysql (MariaDB), Herald table', () => {
  appStoreContract(async () => {
    const db = await createMysqlDatabase();
    return { name: 'mysql', node: sqlStore('mysql', db.url, 'herald_apps', 'herald'), cleanup: db.drop };
  });
});

const NO_GRACE = 'no column for a previous secret';

describe("postgres, soketi's table", () => {
  appStoreContract(async () => {
    const table = uniqueName('apps');
    await pgQuery(PG_URL, SOKETI_PG_TABLE(table));
    return {
      name: 'postgres-soketi',
      noGrace: NO_GRACE,
      node: sqlStore('postgres', PG_URL, table, 'soketi'),
      cleanup: async () => {
        await pgQuery(PG_URL, `DROP TABLE IF EXISTS "${table}"`);
      },
    };
  });
});

describe("mysql (MariaDB), soketi's table", () => {
  appStoreContract(async () => {
    const db = await createMysqlDatabase(MYSQL_ROOT_URL);
    await mysqlQuery(db.url, SOKETI_MYSQL_TABLE('apps'));
    return {
      name: 'mysql-soketi',
      noGrace: NO_GRACE,
      node: sqlStore('mysql', db.url, 'apps', 'soketi'),
      cleanup: db.drop,
    };
  });
});
