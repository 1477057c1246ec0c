/**
 * HTTP trigger requests/s with the app read from each store: the file store, PostgreSQL and MySQL
 * (through the cache, as in production). Three Herald nodes run in this process at once and are
 * measured in turn, round after round, so each store sees the machine's conditions of the moment;
 * the report gives per-round ratios to the file store and their median.
 *
 *   npm run build && node dist/bench/app-store.js [--rounds 9] [--seconds 2] [--concurrency 16]
 *     [--pg postgres://postgres@127.0.0.1:5432/test] [--mysql mysql://root@127.0.0.1:3306]
 */
import { Agent, request } from 'node:http';
import { loadConfig } from '../src/config/load.js';
import { createHerald, type Herald } from '../src/herald.js';
import { apiStringToSign, hmacSha256Hex, md5Hex } from '../src/protocol/signatures.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const ROUNDS = Number(arg('rounds', '9'));
const ORDERS = [
  ['file', 'postgres', 'mysql'],
  ['postgres', 'mysql', 'file'],
  ['mysql', 'file', 'postgres'],
  ['mysql', 'postgres', 'file'],
  ['postgres', 'file', 'mysql'],
  ['file', 'mysql', 'postgres'],
] as const;
const SECONDS = Number(arg('seconds', '2'));
const CONCURRENCY = Number(arg('concurrency', '16'));
const PG = arg('pg', 'postgres://postgres@127.0.0.1:5432/test');
const MYSQL = arg('mysql', 'mysql://root@127.0.0.1:3306');
const APP = { id: 'bench', key: 'bench-key', secret: 'bench-secret', limits: { maxApiRequestsPerSecond: 0 } };
const BODY = JSON.stringify({ name: 'e', channel: 'bench', data: '{"x":1}' });

async function start(appStore: Record<string, unknown>): Promise<{ herald: Herald; port: number }> {
  const herald = createHerald(
    loadConfig({
      env: {},
      overrides: {
        port: 0,
        log: { level: 'warn' },
        metrics: { enabled: false },
        console: { enabled: false },
        apps: [APP],
        appStore,
      } as never,
    }),
  );
  const { port } = await herald.listen();
  if (appStore['driver'] !== 'file') {
    await herald.apps.remove(APP.id).catch(() => undefined);
    await herald.apps.add(APP);
  }
  return { herald, port };
}

function signedPath(): string {
  const path = `/apps/${APP.id}/events`;
  const params: [string, string][] = [
    ['auth_key', APP.key],
    ['auth_timestamp', String(Math.floor(Date.now() / 1000))],
    ['auth_version', '1.0'],
    ['body_md5', md5Hex(BODY)],
  ];
  const sig = hmacSha256Hex(APP.secret, apiStringToSign('POST', path, params));
  return `${path}?${params.map(([k, v]) => `${k}=${v}`).join('&')}&auth_signature=${sig}`;
}

/** Requests answered 200 in `seconds`, CONCURRENCY at a time on keep-alive connections. */
async function measure(port: number, seconds: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const path = signedPath();
  const until = Date.now() + seconds * 1000;
  let ok = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) ok++;
            else reject(new Error(`HTTP ${res.statusCode}`));
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(BODY);
    });
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) await one();
    }),
  );
  agent.destroy();
  return ok / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const mysqlDb = `${MYSQL}/herald_bench_${process.pid}`;
const { default: mysql } = await import('mysql2/promise');
const admin = await mysql.createConnection(MYSQL);
await admin.query(`CREATE DATABASE IF NOT EXISTS \`herald_bench_${process.pid}\``);
const stores = {
  file: await start({ driver: 'file' }),
  postgres: await start({ driver: 'postgres', url: PG, table: `herald_bench_${process.pid}` }),
  mysql: await start({ driver: 'mysql', url: mysqlDb }),
};
const rates: Record<string, number[]> = { file: [], postgres: [], mysql: [] };
for (const s of Object.values(stores)) await measure(s.port, 0.5); // warm-up: JIT, caches, connections
for (let r = 0; r < ROUNDS; r++) {
  // Every store takes every position in turn (six orders), so no store is always measured second.
  const order = ORDERS[r % ORDERS.length]!;
  for (const name of order)
    rates[name]!.push(await measure(stores[name as keyof typeof stores].port, SECONDS));
  process.stderr.write(
    `round ${r + 1}/${ROUNDS}: ${order.map((n) => `${n} ${rates[n]!.at(-1)!.toFixed(0)}/s`).join(', ')}\n`,
  );
}
for (const name of ['postgres', 'mysql']) {
  const ratios = rates[name]!.map((v, i) => v / rates['file']![i]!);
  console.log(
    `${name}: median ${median(rates[name]!).toFixed(0)} req/s vs file ${median(rates['file']!).toFixed(0)}; ` +
      `per-round ratio median ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`,
  );
}
for (const s of Object.values(stores)) await s.herald.close();
const { default: pg } = await import('pg');
const c = new pg.Client(PG);
await c.connect();
await c.query(
  `DROP TABLE IF EXISTS "herald_bench_${process.pid}", "herald_bench_${process.pid}_migrations" CASCADE`,
);
await c.end();
await admin.query(`DROP DATABASE IF EXISTS \`herald_bench_${process.pid}\``);
await admin.end();
