#!/usr/bin/env node
// What the test suite needs beyond Node, checked (and on Debian as root, provided) before any test runs:
// `npm test` (pretest) and `.ci/run` both call this, so a fresh machine either gets everything or one
// message naming exactly what to install. Nothing is skipped: a missing service stops the run here rather
// than letting tests that need it fail one by one (or, worse, pass without running).
//
// Each requirement is one entry of REQUIREMENTS: how to tell it is there, the Debian package that provides
// it, and optionally how to start it. Add a service (a database, say) by adding an entry.
//
// For its own test (test/package/install.test.ts): PREFLIGHT_AS_ROOT=0 acts as a non-root user (never
// installs), PREFLIGHT_CHROMIUM overrides the browser's path.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = process.env.PREFLIGHT_CHROMIUM || '/usr/bin/chromium';
const asRoot =
  process.env.PREFLIGHT_AS_ROOT === '0'
    ? false
    : typeof process.getuid === 'function' && process.getuid() === 0;

function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Resolves true when something accepts TCP connections on 127.0.0.1:port within `ms`. */
function listening(port, ms = 1000) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitListening(port, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await listening(port, 500)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Installed PostgreSQL major versions, newest first (Debian's /usr/lib/postgresql/<v>/bin). */
function pgVersions() {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return [];
  }
}

/** @type {{ name: string, debian: string, present(): boolean | Promise<boolean>, start?(): Promise<boolean>, why: string }[]} */
export const REQUIREMENTS = [
  {
    name: 'redis-server and redis-cli',
    debian: 'redis-server',
    why: 'the Redis fault tests start private redis-server processes (restart, Cluster, Sentinel)',
    present: () => onPath('redis-server') && onPath('redis-cli'),
  },
  {
    name: 'Redis on 127.0.0.1:6379',
    debian: 'redis-server',
    why: 'the Redis adapter and webhook queue tests share it',
    present: () => listening(6379),
    async start() {
      if (!onPath('redis-server')) return false;
      const dir = join(tmpdir(), 'herald-test-redis');
      mkdirSync(dir, { recursive: true });
      const child = spawn(
        'redis-server',
        ['--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', dir],
        { detached: true, stdio: 'ignore' },
      );
      child.unref();
      return waitListening(6379, 10_000);
    },
  },
  {
    name: 'PostgreSQL server binaries (initdb, postgres)',
    debian: 'postgresql',
    why: 'the app-store outage tests start a private postgres in a temp directory',
    present: () => pgVersions().length > 0,
  },
  {
    name: 'PostgreSQL on 127.0.0.1:5432 (user postgres, database test)',
    debian: 'postgresql',
    why: 'the PostgreSQL app-store tests share it, each under its own tables',
    present: () => listening(5432),
    async start() {
      const version = pgVersions()[0];
      if (!version || !onPath('pg_ctlcluster')) return false;
      spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
        stdio: 'ignore',
      });
      if (!(await waitListening(5432, 20_000))) return false;
      // The tests connect to the database `test`; create it on a fresh cluster (fails harmlessly if present).
      spawnSync('runuser', ['-u', 'postgres', '--', 'psql', '-c', 'CREATE DATABASE test'], {
        stdio: 'ignore',
      });
      return true;
    },
  },
  {
    name: 'MariaDB server binary (/usr/sbin/mariadbd)',
    debian: 'mariadb-server',
    why: 'the MySQL app-store outage tests start a private mariadbd in a temp directory',
    present: () => existsSync('/usr/sbin/mariadbd'),
  },
  {
    name: 'MariaDB on 127.0.0.1:3306 (root, no password)',
    debian: 'mariadb-server',
    why: 'the MySQL app-store tests share it, each under its own database',
    present: () => listening(3306),
    async start() {
      if (!existsSync('/usr/sbin/mariadbd') || !onPath('start-stop-daemon')) return false;
      mkdirSync('/run/mysqld', { recursive: true });
      spawnSync('chown', ['mysql:mysql', '/run/mysqld'], { stdio: 'ignore' });
      spawnSync(
        'start-stop-daemon',
        ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd'],
        {
          stdio: 'ignore',
        },
      );
      return waitListening(3306, 20_000);
    },
  },
  {
    name: `Chromium at ${CHROMIUM}`,
    debian: 'chromium',
    why: 'the browser tests drive Debian’s Chromium through playwright-core (never a downloaded browser)',
    present: () => existsSync(CHROMIUM),
  },
];

function aptInstall(packages) {
  console.error(`preflight: installing ${packages.join(' ')} from Debian's packages`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // apt's progress goes nowhere; its errors still reach the terminal.
  const stdio = ['ignore', 'ignore', 'inherit'];
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio, env });
  if (update.status !== 0) return false;
  return spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio, env }).status === 0;
}

export async function preflight() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) return [`Node ${process.versions.node} is too old: Herald needs Node 20 or later`];

  const missing = [];
  for (const r of REQUIREMENTS) if (!(await r.present())) missing.push(r);
  // A service that is only not running gets started below; its binaries are a requirement of their own.
  const packages = [...new Set(missing.filter((r) => !r.start).map((r) => r.debian))];
  if (packages.length > 0 && asRoot && onPath('apt-get')) aptInstall(packages);

  const problems = [];
  for (const r of missing) {
    if (await r.present()) continue;
    if (r.start) {
      console.error(`preflight: ${r.name} is not running: starting it`);
      if (await r.start()) continue;
    }
    problems.push(r);
  }
  if (problems.length === 0) return [];
  const debs = [...new Set(problems.map((r) => r.debian))].join(' ');
  return [
    ...problems.map((r) => `missing: ${r.name}; ${r.why}`),
    asRoot
      ? `could not provide them; on Debian/Ubuntu: apt-get install -y ${debs}`
      : `install them as root, then run the tests again: sudo apt-get install -y ${debs}` +
        ' (or run .ci/run as root, which installs and starts everything)',
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const problems = await preflight();
  if (problems.length > 0) {
    console.error(`preflight: the tests cannot run on this machine yet\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}
