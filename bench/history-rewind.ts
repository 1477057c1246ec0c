/**
 * Rewind burst benchmark (not a test): N raw WebSocket clients subscribe at the same moment to a channel
 * whose rule rewinds its last 100 events (1 KB each), against the same burst on a channel without
 * history. Reports the server's resident memory above its idle level, sampled every 10 ms from /proc,
 * and how long until every client had every event. Herald runs as its own process.
 *
 *   npm run build && node dist/bench/history-rewind.js [--subscribers 1000] [--events 100] [--runs 3]
 */
import { readFileSync } from 'node:fs';
import PusherServer from 'pusher';
import WebSocket from 'ws';
import { spawnHeraldProcess } from './lib/spawn-herald.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

const SUBSCRIBERS = Number(arg('subscribers', '1000'));
const EVENTS = Number(arg('events', '100'));
const RUNS = Number(arg('runs', '3'));
const PAYLOAD = 'x'.repeat(1000);
const APP = { id: 'bench-app', key: 'bench-key', secret: 'bench-secret' };

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

function open(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7`);
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
  });
}

interface Result {
  peakAboveIdleMb: number;
  afterMb: number;
  ms: number;
}

async function burst(channel: string, expected: number): Promise<Result> {
  const herald = await spawnHeraldProcess({
    HERALD_LOG_LEVEL: 'warn',
    HERALD_CONSOLE: 'false',
    HERALD_APPS: JSON.stringify([
      {
        ...APP,
        limits: { maxApiRequestsPerSecond: 0, maxConnections: 0 },
        history: [{ channels: 'rewind-*', size: EVENTS, ttlSeconds: 600, rewind: EVENTS }],
      },
    ]),
  });
  const pid = herald.child.pid!;
  try {
    const sdk = new PusherServer({
      appId: APP.id,
      key: APP.key,
      secret: APP.secret,
      host: '127.0.0.1',
      port: String(herald.port),
    });
    for (let i = 0; i < EVENTS; i++) await sdk.trigger(channel, 'tick', { i, pad: PAYLOAD });
    const sockets: WebSocket[] = [];
    for (let i = 0; i < SUBSCRIBERS; i += 100) {
      sockets.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, SUBSCRIBERS - i) }, () => open(herald.port)),
        )),
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssMb(pid);
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(pid));
    }, 10);
    let done = 0;
    const all = new Promise<void>((resolve) => {
      for (const ws of sockets) {
        let got = 0;
        const need = expected + 1; // subscription_succeeded, then the events
        ws.on('message', () => {
          if (++got === need && ++done === sockets.length) resolve();
        });
      }
    });
    const started = performance.now();
    const frame = JSON.stringify({ event: 'pusher:subscribe', data: { channel } });
    for (const ws of sockets) ws.send(frame);
    await all;
    const ms = performance.now() - started;
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(pid));
    const after = rssMb(pid);
    for (const ws of sockets) ws.terminate();
    return { peakAboveIdleMb: peak - idle, afterMb: after - idle, ms };
  } finally {
    await herald.stop();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const rows: [string, Result[]][] = [
  ['no history', []],
  [`rewind ${EVENTS}`, []],
];
for (let run = 0; run < RUNS; run++) {
  rows[0]![1].push(await burst('plain-bench', 0));
  rows[1]![1].push(await burst('rewind-bench', EVENTS));
}
console.log(
  `${SUBSCRIBERS} subscribers at once, ${EVENTS} events of ${PAYLOAD.length} B; medians of ${RUNS} runs`,
);
console.log('| channel | RSS peak above idle (MB) | RSS after (MB) | all delivered (ms) |');
console.log('| --- | --- | --- | --- |');
for (const [name, rs] of rows) {
  const f = (pick: (r: Result) => number) => median(rs.map(pick)).toFixed(1);
  console.log(`| ${name} | ${f((r) => r.peakAboveIdleMb)} | ${f((r) => r.afterMb)} | ${f((r) => r.ms)} |`);
}
