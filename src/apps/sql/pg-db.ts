/**
 * PostgreSQL through `pg`: a pool for queries and one dedicated client that LISTENs for change
 * notifications, reconnected with back-off when the server goes away (a missed notification is made
 * up for by announcing "anything may have changed" after the reconnect).
 */
import pg from 'pg';
import { type ChangeFeed, DB_TIMEOUT_MS, describeUrl, type Query, type Row, type SqlDb } from './sql-db.js';

function toDollar(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export class PgDb implements SqlDb {
  readonly dialect = 'postgres' as const;
  readonly where: string;
  private readonly pool: pg.Pool;
  private listener: pg.Client | null = null;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    /** NOTIFY channel for this table's changes. */
    private readonly channel: string,
  ) {
    this.where = describeUrl(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: DB_TIMEOUT_MS,
      query_timeout: DB_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    });
    // A pooled client that dies while idle reports here; the next query gets a fresh one.
    this.pool.on('error', () => undefined);
  }

  query: Query = async (sql, params = []) => {
    const res = await this.pool.query(toDollar(sql), params as unknown[]);
    return res.rows as Row[];
  };

  async session<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await fn(
        async (sql, params = []) => (await client.query(toDollar(sql), params as unknown[])).rows,
      );
    } finally {
      client.release();
    }
  }

  ident(name: string): string {
    return `"${name}"`;
  }

  isDuplicate(err: unknown): boolean {
    return (err as { code?: string }).code === '23505';
  }

  async announce(id: string): Promise<void> {
    await this.query('SELECT pg_notify(?, ?)', [this.channel, id]);
  }

  async watch(feed: ChangeFeed): Promise<void> {
    await this.listen(feed, false);
  }

  private async listen(feed: ChangeFeed, reconnect: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: DB_TIMEOUT_MS });
    const lost = (err: Error) => {
      if (this.closed || this.listener !== client) return;
      this.listener = null;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      feed.failed(err);
      this.retry(feed, 250);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('the LISTEN connection closed')));
    client.on('notification', (n) => {
      if (n.channel === this.channel) feed.changed(n.payload ? [n.payload] : null);
    });
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${this.ident(this.channel)}`);
    } catch (err) {
      this.listener = null;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      if (!reconnect) throw err;
      feed.failed(err as Error);
      this.retry(feed, 1000);
      return;
    }
    if (reconnect) feed.changed(null);
  }

  private retry(feed: ChangeFeed, ms: number): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) void this.listen(feed, true);
    }, ms);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const l = this.listener;
    this.listener = null;
    if (l) {
      l.removeAllListeners();
      l.on('error', () => undefined);
      await l.end().catch(() => undefined);
    }
    await this.pool.end().catch(() => undefined);
  }
}
