/**
 * Real databases for the app-store tests: the shared PostgreSQL (127.0.0.1:5432, db test) and MariaDB
 * (127.0.0.1:3306, root), each test file under its own table names or database; and private
 * instances on a free port in a temp directory for outage tests (never stop the shared ones).
 * A missing server fails the test: these tests do not skip.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { freePort } from './process.js';
import { until } from './wait.js';

export const PG_URL = process.env['HERALD_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_ROOT_URL = process.env['HERALD_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';

export function uniqueName(prefix = 'herald_t'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function pgQuery(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** Drops a Herald table and what its migrations created beside it. */
export async function dropPgTable(table: string, url = PG_URL): Promise<void> {
  await pgQuery(
    url,
    `DROP TABLE IF EXISTS "${table}", "${table}_migrations" CASCADE; DROP FUNCTION IF EXISTS "${table}_notify"() CASCADE`,
  );
}

export async function mysqlQuery(url: string, sql: string, params: unknown[] = []): Promise<unknown> {
  const conn = await mysql.createConnection({ uri: url, connectTimeout: 3000, multipleStatements: true });
  try {
    const [rows] = await conn.query(sql, params);
    return rows;
  } finally {
    await conn.end();
  }
}

/** A fresh MariaDB database for one test file; returns its URL. */
export async function createMysqlDatabase(
  rootUrl = MYSQL_ROOT_URL,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName();
  await mysqlQuery(rootUrl, `CREATE DATABASE \`${name}\``);
  return {
    url: `${rootUrl}/${name}`,
    drop: async () => {
      await mysqlQuery(rootUrl, `DROP DATABASE IF EXISTS \`${name}\``);
    },
  };
}

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort().reverse() : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', name))) return join(root, v, 'bin', name);
  throw new Error(`PostgreSQL's ${name} is not installed (looked in ${root}/*/bin)`);
}

/** A server this test owns: stop and start it at will, then destroy it. */
export interface PrivateDb {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** Owns one child process that `spawnIt` starts; `ready` waits until it answers. */
async function privateServer(
  dir: string,
  port: number,
  url: string,
  spawnIt: () => ChildProcess,
  ready: () => Promise<unknown>,
  signal: NodeJS.Signals,
): Promise<PrivateDb> {
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawnIt();
    // Refused connections while it starts: not ready yet.
    await until(`private database on port ${port}`, () =>
      ready().then(
        () => true,
        () => false,
      ),
    );
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  };
  await start();
  return {
    url,
    port,
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** postgres runs as the `postgres` user when we are root (it refuses root), in a temp directory, on a free port. */
export async function startPrivatePostgres(): Promise<PrivateDb> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const asPostgres =
    process.getuid?.() === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
        }
      : {};
  execFileSync(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], {
    stdio: 'ignore',
    ...asPostgres,
  });
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off'];
  // SIGINT: PostgreSQL's fast shutdown, clients cut at once.
  return privateServer(
    dir,
    port,
    url,
    () => spawn(pgBin('postgres'), args, { stdio: 'ignore', ...asPostgres }),
    () => pgQuery(url, 'SELECT 1'),
    'SIGINT',
  );
}

/** mariadbd in a temp datadir, on a free port and its own socket; stopped by SIGKILL (a crash). */
export async function startPrivateMysql(): Promise<PrivateDb> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-my-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  execFileSync(
    'mariadb-install-db',
    [`--datadir=${data}`, '--auth-root-authentication-method=normal', '--user=mysql', '--skip-test-db'],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const url = `mysql://root@127.0.0.1:${port}`;
  const args = [
    '--no-defaults',
    `--datadir=${data}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${join(dir, 'mysql.sock')}`,
    `--pid-file=${join(dir, 'mysql.pid')}`,
    '--user=mysql',
    '--skip-log-bin',
    '--innodb-buffer-pool-size=16M',
  ];
  return privateServer(
    dir,
    port,
    url,
    () => spawn('/usr/sbin/mariadbd', args, { stdio: 'ignore' }),
    () => mysqlQuery(url, 'SELECT 1'),
    'SIGKILL',
  );
}
