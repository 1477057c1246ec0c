/**
 * Scale-out benchmark (not a test): deliveries per second on one fan-out channel with 1 node and with
 * 2 nodes sharing Redis, subscribers split evenly over the nodes, events published through the HTTP API
 * of the first node.
 *
 *   npm run build && node dist/bench/scale-out.js [--subscribers 500] [--seconds 8] [--redis redis://…]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import PusherServer from 'pusher';
import WebSocket from 'ws';

const BIN = fileURLToPath(new URL('../../bin/herald.js', import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const SUBSCRIBERS = Number(arg('subscribers', '500'));
const SECONDS = Number(arg('seconds', '8'));
const REDIS = arg('redis', 'redis://127.0.0.1:6379');
const CONCURRENCY = 16;

async function startNode(prefix: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0'], {
    env: {
      ...process.env,
      HERALD_REDIS_URL: REDIS,
      HERALD_REDIS_PREFIX: prefix,
      HERALD_LOG_LEVEL: 'warn',
      HERALD_METRICS: 'false',
      HERALD_CONSOLE: 'false',
      HERALD_SHUTDOWN_TIMEOUT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`node exited with ${code}`)));
  });
  child.stdout!.resume();
  return { child, port };
}

async function run(
  nodeCount: number,
): Promise<{ deliveries: number; published: number; seconds: number; lost: number }> {
  const prefix = `herald-bench-${randomBytes(4).toString('hex')}`;
  const nodes = await Promise.all(Array.from({ length: nodeCount }, () => startNode(prefix)));
  let delivered = 0;
  let lastDelivery = 0;
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: SUBSCRIBERS }, (_, i) => {
      const { port } = nodes[i % nodeCount]!;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/app/app-key?protocol=7`);
      sockets.push(ws);
      return new Promise<void>((resolve, reject) => {
        ws.on('error', reject);
        ws.on('message', (data) => {
          const text = data.toString();
          if (text.includes('pusher:connection_established')) {
            ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'fanout' } }));
          } else if (text.includes('subscription_succeeded')) {
            resolve();
          } else if (text.includes('"tick"')) {
            delivered++;
            lastDelivery = performance.now();
          }
        });
      });
    }),
  );
  const api = new PusherServer({
    appId: 'app-id',
    key: 'app-key',
    secret: 'app-secret',
    host: '127.0.0.1',
    port: String(nodes[0]!.port),
    useTLS: false,
    agent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
  });
  const payload = { price: 101.25, symbol: 'HRLD', at: '2026-01-01T00:00:00Z', pad: 'x'.repeat(40) };
  let published = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await api.trigger('fanout', 'tick', payload);
        published++;
      }
    }),
  );
  // Let in-flight deliveries land: stop when nothing arrived for half a second.
  for (let last = -1; last !== delivered; ) {
    last = delivered;
    await new Promise((r) => setTimeout(r, 500));
  }
  const seconds = (lastDelivery - started) / 1000;
  for (const ws of sockets) ws.terminate();
  for (const n of nodes) n.child.kill('SIGKILL');
  return {
    deliveries: delivered / seconds,
    published: published / ((deadline - started) / 1000),
    seconds,
    lost: published * SUBSCRIBERS - delivered,
  };
}

const one = await run(1);
const two = await run(2);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `${os.cpus().length} × ${cpu}, Node ${process.version}, ${SUBSCRIBERS} subscribers, ${SECONDS} s`,
);
console.log('| nodes | events published/s | deliveries/s | lost |');
console.log('| ----- | ------------------ | ------------ | ---- |');
for (const [n, r] of [
  [1, one],
  [2, two],
] as const) {
  console.log(`| ${n} | ${Math.round(r.published)} | ${Math.round(r.deliveries)} | ${r.lost} |`);
}
process.exit(0);
