/** How apps sit in a table: Herald's own layout or soketi's. */
import type { AppConfig } from '../../config/config.js';
import { appField } from '../../config/schema.js';
import { validateField } from '../../config/schema-dsl.js';
import type { Row, SqlDb } from './sql-db.js';

export interface TableLayout {
  /** Creates and migrates the table (Herald's), or checks that it exists (soketi's). */
  prepare(db: SqlDb, table: string): Promise<void>;
  /** The app in a row; throws with the problems when the row does not make a valid app. */
  fromRow(row: Row): AppConfig;
  /** Column values for the app. Throws AppStoreError('invalid') for what the layout cannot hold. */
  toRow(app: AppConfig): Row;
}

/** Fills defaults and validates exactly as the configuration file's apps are. */
export function validApp(raw: Record<string, unknown>, where: string): AppConfig {
  const problems: string[] = [];
  const app = validateField(appField, raw, where, problems) as AppConfig;
  if (problems.length > 0) throw new Error(`invalid app row: ${problems.join('; ')}`);
  return app;
}

/** Booleans come back as true/false (PostgreSQL), 0/1 (MySQL, smallint) or strings. */
export function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
}

/** JSON columns come back parsed (PostgreSQL json) or as text (MySQL, MariaDB's json is longtext). */
export function parseJson(v: unknown): unknown {
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v === 'string') return JSON.parse(v);
  if (Buffer.isBuffer(v)) return JSON.parse(v.toString('utf8'));
  return v;
}

/** Integers may arrive as strings (PostgreSQL bigint). */
export function int(v: unknown): number | undefined {
  if (v === null || v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
