/**
 * Herald's own app table. Lookups use real columns (id, key); the other settings live in one JSON
 * document, so a new Herald setting needs no migration. Migrations are numbered, recorded in
 * `<table>_migrations`, and run under a database lock so nodes starting together migrate once.
 * Triggers announce changes made by hand in SQL too: NOTIFY (PostgreSQL) or a bump of
 * `<table>_version` (MySQL).
 */
import type { AppConfig } from '../../config/config.js';
import type { Query, Row, SqlDb } from './sql-db.js';
import { int, parseJson, type TableLayout, truthy, validApp } from './table-layout.js';

type Migration = (db: SqlDb, t: string, q: Query) => string[];

const pgMigrations: Migration[] = [
  (db, t) => {
    const T = db.ident(t);
    const fn = db.ident(`${t}_notify`);
    return [
      `CREATE TABLE IF NOT EXISTS ${T} (
        id varchar(255) PRIMARY KEY,
        "key" varchar(255) NOT NULL UNIQUE,
        secret varchar(255) NOT NULL,
        previous_secret varchar(255),
        previous_secret_expires_at bigint,
        enabled boolean NOT NULL DEFAULT true,
        settings text NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN PERFORM pg_notify('${notifyChannel(t)}', OLD.id);
         ELSE PERFORM pg_notify('${notifyChannel(t)}', NEW.id); END IF;
         RETURN NULL;
       END $$ LANGUAGE plpgsql`,
      `DROP TRIGGER IF EXISTS ${fn} ON ${T}`,
      `CREATE TRIGGER ${fn} AFTER INSERT OR UPDATE OR DELETE ON ${T} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    ];
  },
];

const mysqlMigrations: Migration[] = [
  (db, t) => {
    const T = db.ident(t);
    const V = db.ident(versionTable(t));
    const bump = `UPDATE ${V} SET version = version + 1 WHERE id = 1`;
    return [
      `CREATE TABLE IF NOT EXISTS ${T} (
        id varchar(255) NOT NULL PRIMARY KEY,
        \`key\` varchar(255) NOT NULL UNIQUE,
        secret varchar(255) NOT NULL,
        previous_secret varchar(255) NULL,
        previous_secret_expires_at bigint NULL,
        enabled tinyint(1) NOT NULL DEFAULT 1,
        settings text NOT NULL,
        created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
      ) DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE IF NOT EXISTS ${V} (id tinyint NOT NULL PRIMARY KEY, version bigint NOT NULL)`,
      `INSERT IGNORE INTO ${V} (id, version) VALUES (1, 0)`,
      `DROP TRIGGER IF EXISTS ${db.ident(`${t}_ai`)}`,
      `CREATE TRIGGER ${db.ident(`${t}_ai`)} AFTER INSERT ON ${T} FOR EACH ROW ${bump}`,
      `DROP TRIGGER IF EXISTS ${db.ident(`${t}_au`)}`,
      `CREATE TRIGGER ${db.ident(`${t}_au`)} AFTER UPDATE ON ${T} FOR EACH ROW ${bump}`,
      `DROP TRIGGER IF EXISTS ${db.ident(`${t}_ad`)}`,
      `CREATE TRIGGER ${db.ident(`${t}_ad`)} AFTER DELETE ON ${T} FOR EACH ROW ${bump}`,
    ];
  },
];

/** The NOTIFY channel of a table (PostgreSQL identifiers stop at 63 bytes). */
export function notifyChannel(table: string): string {
  return `${table}_changes`.slice(0, 63);
}

/** The table holding the version MySQL nodes poll. */
export function versionTable(table: string): string {
  return `${table}_version`.slice(0, 64);
}

/** Runs the migrations not yet recorded, under a lock held by one node at a time. */
async function migrate(db: SqlDb, table: string): Promise<void> {
  const migrations = db.dialect === 'postgres' ? pgMigrations : mysqlMigrations;
  const M = db.ident(`${table}_migrations`);
  const lockName = `herald:${table}`;
  await db.session(async (q) => {
    if (db.dialect === 'postgres') {
      await q('BEGIN');
      await q('SELECT pg_advisory_xact_lock(hashtext(?))', [lockName]);
    } else {
      const got = await q('SELECT GET_LOCK(?, 30) AS got', [lockName]);
      if (Number(got[0]?.['got']) !== 1) throw new Error(`could not take the migration lock ${lockName}`);
    }
    try {
      await q(
        `CREATE TABLE IF NOT EXISTS ${M} (version int NOT NULL PRIMARY KEY, applied_at bigint NOT NULL)`,
      );
      const rows = await q(`SELECT MAX(version) AS v FROM ${M}`);
      const current = int(rows[0]?.['v']) ?? 0;
      for (let v = current + 1; v <= migrations.length; v++) {
        for (const stmt of migrations[v - 1]!(db, table, q)) await q(stmt);
        await q(`INSERT INTO ${M} (version, applied_at) VALUES (?, ?)`, [v, Date.now()]);
      }
      if (db.dialect === 'postgres') await q('COMMIT');
    } catch (err) {
      if (db.dialect === 'postgres') await q('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      if (db.dialect === 'mysql') await q('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
    }
  });
}

/** The settings kept in the JSON document: everything but the columns. */
function settingsOf(app: AppConfig): Record<string, unknown> {
  const {
    id: _i,
    key: _k,
    secret: _s,
    previousSecret: _p,
    previousSecretExpiresAt: _e,
    enabled: _en,
    ...rest
  } = app;
  return rest;
}

export const heraldTable: TableLayout = {
  prepare: migrate,
  fromRow(row: Row): AppConfig {
    const settings = (parseJson(row['settings']) ?? {}) as Record<string, unknown>;
    const expires = int(row['previous_secret_expires_at']);
    const raw: Record<string, unknown> = {
      ...settings,
      id: row['id'],
      key: row['key'],
      secret: row['secret'],
      enabled: truthy(row['enabled']),
    };
    if (row['previous_secret'] && expires !== undefined) {
      raw['previousSecret'] = row['previous_secret'];
      raw['previousSecretExpiresAt'] = new Date(expires).toISOString();
    }
    return validApp(raw, `app ${String(row['id'])}`);
  },
  toRow(app: AppConfig): Row {
    return {
      id: app.id,
      key: app.key,
      secret: app.secret,
      previous_secret: app.previousSecret ?? null,
      previous_secret_expires_at:
        app.previousSecretExpiresAt === undefined ? null : Date.parse(app.previousSecretExpiresAt),
      enabled: app.enabled,
      settings: JSON.stringify(settingsOf(app)),
    };
  },
};
