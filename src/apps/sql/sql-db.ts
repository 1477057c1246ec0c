/**
 * What the SQL app source needs from a database: parameterised queries (`?` placeholders in every
 * dialect), one connection for a sequence of statements, and a change feed. `pg-db.ts` and
 * `mysql-db.ts` implement it.
 */

export type Row = Record<string, unknown>;
export type Query = (sql: string, params?: readonly unknown[]) => Promise<Row[]>;

export interface ChangeFeed {
  /** A change to these app ids (or to any app, `null`) was announced. */
  changed(ids: readonly string[] | null): void;
  failed(err: Error): void;
}

export interface SqlDb {
  readonly dialect: 'postgres' | 'mysql';
  /** host:port/database, without credentials. */
  readonly where: string;
  query: Query;
  /** Runs `fn` on one connection (locks, transactions). */
  session<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  /** Quotes an identifier (already checked to be a plain name). */
  ident(name: string): string;
  /** True when the error is a unique-key violation. */
  isDuplicate(err: unknown): boolean;
  /** Tells every node that `id` changed (NOTIFY, or a bump of the polled version). */
  announce(id: string): Promise<void>;
  /** Starts the change feed: PostgreSQL LISTEN, MySQL polling the version column. */
  watch(feed: ChangeFeed): Promise<void>;
  close(): Promise<void>;
}

/** A URL's host, port and database, never its password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '(default port)'}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

/** Seconds to wait for a database before calling it down: lookups must not hang on a dead server. */
export const DB_TIMEOUT_MS = 2000;
