/**
 * MySQL and MariaDB through `mysql2`: a pool for queries, and a poll of the table's version column
 * (`<table>_version.version`, bumped by every write through Herald and by the Herald table's
 * triggers) every `pollMs`. MySQL has no LISTEN/NOTIFY.
 */
import mysql from 'mysql2/promise';
import { type ChangeFeed, DB_TIMEOUT_MS, describeUrl, type Query, type Row, type SqlDb } from './sql-db.js';

export class MysqlDb implements SqlDb {
  readonly dialect = 'mysql' as const;
  readonly where: string;
  private readonly pool: mysql.Pool;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    url: string,
    /** Table holding the polled version row. */
    private readonly versionTable: string,
    private readonly pollMs: number,
  ) {
    this.where = describeUrl(url);
    this.pool = mysql.createPool({
      uri: url.replace(/^mariadb:/, 'mysql:'),
      connectionLimit: 4,
      connectTimeout: DB_TIMEOUT_MS,
      enableKeepAlive: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
    this.pool.on('connection', () => undefined);
  }

  query: Query = async (sql, params = []) => {
    const [rows] = await this.pool.query({ sql, timeout: DB_TIMEOUT_MS }, params as unknown[]);
    return Array.isArray(rows) ? (rows as Row[]) : [];
  };

  async session<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    try {
      return await fn(async (sql, params = []) => {
        const [rows] = await conn.query(sql, params as unknown[]);
        return Array.isArray(rows) ? (rows as Row[]) : [];
      });
    } finally {
      conn.release();
    }
  }

  ident(name: string): string {
    return `\`${name}\``;
  }

  isDuplicate(err: unknown): boolean {
    return (err as { code?: string }).code === 'ER_DUP_ENTRY';
  }

  async announce(): Promise<void> {
    await this.query(`UPDATE ${this.ident(this.versionTable)} SET version = version + 1 WHERE id = 1`);
  }

  async watch(feed: ChangeFeed): Promise<void> {
    let last = await this.version();
    let failing = false;
    const tick = async () => {
      try {
        const v = await this.version();
        if (failing || v !== last) feed.changed(null);
        failing = false;
        last = v;
      } catch (err) {
        failing = true;
        feed.failed(err as Error);
      }
      if (!this.closed) this.schedule(tick);
    };
    this.schedule(tick);
  }

  private schedule(tick: () => Promise<void>): void {
    this.timer = setTimeout(() => void tick(), this.pollMs);
    this.timer.unref();
  }

  private async version(): Promise<number> {
    const rows = await this.query(`SELECT version FROM ${this.ident(this.versionTable)} WHERE id = 1`);
    return Number(rows[0]?.['version'] ?? 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pool.end().catch(() => undefined);
  }
}
