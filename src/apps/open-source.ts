/** Builds the configured app source: the one place that picks an implementation by `appStore.driver`. */
import type { AppConfig, HeraldConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { AppSource } from './app-store.js';
import { FileAppSource } from './file-source.js';
import { heraldTable, notifyChannel, versionTable } from './sql/herald-table.js';
import { MysqlDb } from './sql/mysql-db.js';
import { PgDb } from './sql/pg-db.js';
import { soketiTable } from './sql/soketi-table.js';
import { SqlAppSource } from './sql/sql-source.js';

export interface FileReload {
  /** Reads the configuration again (throws ConfigError). */
  reload: () => AppConfig[];
  file?: string;
}

export function openAppSource(config: HeraldConfig, logger: Logger, fileReload?: FileReload): AppSource {
  const store = config.appStore;
  const layout = store.schema === 'soketi' ? soketiTable : heraldTable;
  switch (store.driver) {
    case 'postgres':
      return new SqlAppSource(new PgDb(store.url!, notifyChannel(store.table)), store.table, layout, logger);
    case 'mysql':
      return new SqlAppSource(
        new MysqlDb(store.url!, versionTable(store.table), store.pollMs),
        store.table,
        layout,
        logger,
      );
    case 'file':
      return new FileAppSource({ apps: config.apps, logger, ...fileReload });
  }
}
