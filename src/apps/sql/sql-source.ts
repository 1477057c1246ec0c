/**
 * Apps in a PostgreSQL or MySQL table: one `SqlDb` (the dialect and its change feed) and one
 * `TableLayout` (Herald's table or soketi's). A row that does not make a valid app is logged and
 * treated as absent rather than crashing lookups.
 */
import type { AppConfig } from '../../config/config.js';
import type { Logger } from '../../logging/logger.js';
import { type AppSource, AppStoreError, type SourceListener } from '../app-store.js';
import type { Row, SqlDb } from './sql-db.js';
import type { TableLayout } from './table-layout.js';

export class SqlAppSource implements AppSource {
  readonly writable = true;
  readonly description: string;
  private readonly T: string;

  constructor(
    private readonly db: SqlDb,
    private readonly table: string,
    private readonly layout: TableLayout,
    private readonly logger: Logger,
  ) {
    this.description = `${db.dialect} table ${table} at ${db.where}`;
    this.T = db.ident(table);
  }

  async start(listener: SourceListener): Promise<void> {
    await this.layout.prepare(this.db, this.table);
    await this.db.watch(listener);
  }

  private app(rows: Row[]): AppConfig | undefined {
    const row = rows[0];
    if (!row) return undefined;
    try {
      return this.layout.fromRow(row);
    } catch (err) {
      this.logger.error(
        { err: (err as Error).message, app: row['id'], table: this.table },
        'app row ignored',
      );
      return undefined;
    }
  }

  async byKey(key: string): Promise<AppConfig | undefined> {
    return this.app(await this.db.query(`SELECT * FROM ${this.T} WHERE ${this.db.ident('key')} = ?`, [key]));
  }

  async byId(id: string): Promise<AppConfig | undefined> {
    return this.app(await this.db.query(`SELECT * FROM ${this.T} WHERE id = ?`, [id]));
  }

  async list(): Promise<AppConfig[]> {
    const rows = await this.db.query(`SELECT * FROM ${this.T} ORDER BY id`);
    const out: AppConfig[] = [];
    for (const row of rows) {
      const app = this.app([row]);
      if (app) out.push(app);
    }
    return out;
  }

  /** soketi's table has no unique index on the key: check it here (Herald's table also has one). */
  private async checkKeyFree(app: AppConfig): Promise<void> {
    const taken = await this.db.query(
      `SELECT id FROM ${this.T} WHERE ${this.db.ident('key')} = ? AND id <> ?`,
      [app.key, app.id],
    );
    if (taken.length > 0)
      throw new AppStoreError('duplicate', `an app with key ${JSON.stringify(app.key)} already exists`);
  }

  async insert(app: AppConfig): Promise<void> {
    const row = this.layout.toRow(app);
    await this.checkKeyFree(app);
    const cols = Object.keys(row);
    try {
      await this.db.query(
        `INSERT INTO ${this.T} (${cols.map((c) => this.db.ident(c)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
        Object.values(row),
      );
    } catch (err) {
      if (this.db.isDuplicate(err)) throw await this.duplicate(app, true);
      throw err;
    }
    await this.db.announce(app.id);
  }

  async replace(app: AppConfig): Promise<boolean> {
    const row = this.layout.toRow(app);
    await this.checkKeyFree(app);
    delete row['id'];
    const cols = Object.keys(row);
    let found: boolean;
    try {
      await this.db.query(
        `UPDATE ${this.T} SET ${cols.map((c) => `${this.db.ident(c)} = ?`).join(', ')} WHERE id = ?`,
        [...Object.values(row), app.id],
      );
      // MySQL counts only rows whose values changed: ask instead of trusting affectedRows.
      found = (await this.db.query(`SELECT id FROM ${this.T} WHERE id = ?`, [app.id])).length > 0;
    } catch (err) {
      if (this.db.isDuplicate(err)) throw await this.duplicate(app, false);
      throw err;
    }
    if (found) await this.db.announce(app.id);
    return found;
  }

  async remove(id: string): Promise<boolean> {
    const before = await this.db.query(`SELECT id FROM ${this.T} WHERE id = ?`, [id]);
    if (before.length === 0) return false;
    await this.db.query(`DELETE FROM ${this.T} WHERE id = ?`, [id]);
    await this.db.announce(id);
    return true;
  }

  /** Which unique column a refused write hit: the id (inserts only) or the key. */
  private async duplicate(app: AppConfig, inserting: boolean): Promise<AppStoreError> {
    const idTaken =
      inserting && (await this.db.query(`SELECT id FROM ${this.T} WHERE id = ?`, [app.id])).length > 0;
    return new AppStoreError(
      'duplicate',
      idTaken
        ? `an app with id ${JSON.stringify(app.id)} already exists`
        : `an app with key ${JSON.stringify(app.key)} already exists`,
    );
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
