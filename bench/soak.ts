/**
 * `npm run bench -- soak --minutes N [--rate R] [--sample S] [--bound MiB]`: a steady, deliberately
 * modest load on one Herald (in its own process) for N minutes, sampling RSS, heap after a full GC and
 * event-loop delay. Each second: R connections open and R close (a pool of 20·R), half of the new ones
 * join one of 20 presence rooms as a fresh user, a quarter join a private channel; 2·R signed triggers
 * go to public channels the pool follows and 2·R client events cross the private channels.
 *
 * It fails (exit 1) when the heap after GC at the end (median of the last three samples) exceeds the
 * heap after warm-up (median of the three samples after the first fifth of the run) by more than the
 * bound (default 16 MiB): a leak of a few bytes per connection, event or member shows as steady growth.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { describeMachine, machineFacts } from './lib/machine.js';
import {
  httpBase,
  presenceAuth,
  privateAuth,
  signedPath,
  subscribeMessage,
  type TargetApp,
  wsUrl,
} from './lib/pusher-wire.js';
import { startServer } from './lib/servers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP: TargetApp = { id: 'soak-app', key: 'soak-key', secret: 'soak-secret' };
const MiB = 1024 * 1024;

interface Sample {
  t: number;
  connections: number;
  rssMiB: number;
  heapMiB: number;
  loopP99Ms: number;
  loopMaxMs: number;
  /** Longest turn in CPU time: what the server itself blocked, whatever the machine's load. */
  busyMaxMs: number;
  triggers: number;
  clientEvents: number;
  received: number;
  errors: number;
}

interface Client {
  ws: WebSocket;
  privateChannel: string | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export async function runSoak(argv: string[]): Promise<number> {
  const flag = (k: string, d: number) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 ? Number(argv[i + 1]) : d;
  };
  const minutes = flag('minutes', 5);
  const rate = flag('rate', 10);
  const sampleS = flag('sample', minutes >= 10 ? 30 : 10);
  const boundMiB = flag('bound', 16);
  const poolSize = 20 * rate;

  const server = await startServer('herald', {
    app: APP,
    workers: 1,
    heraldConfig: { apps: [{ ...APP, clientEvents: true, limits: { maxClientEventsPerSecond: 1000 } }] },
  });
  const base = server.ws;
  const http = httpBase(base);
  const pool: Client[] = [];
  let opened = 0;
  let users = 0;
  let triggers = 0;
  let clientEvents = 0;
  let received = 0;
  let errors = 0;
  const note = (what: string) => {
    errors++;
    if (errors <= 5) console.error(`soak: ${what}`);
  };

  function open(): void {
    const n = opened++;
    const ws = new WebSocket(wsUrl(base, APP.key));
    const client: Client = { ws, privateChannel: null };
    ws.on('message', (d) => {
      const text = d.toString();
      if (text.includes('pusher:connection_established')) {
        const socketId = (JSON.parse(JSON.parse(text).data as string) as { socket_id: string }).socket_id;
        ws.send(subscribeMessage(`soak-public-${n % 10}`));
        if (n % 2 === 0) {
          const room = `presence-soak-${n % 20}`;
          const data = JSON.stringify({ user_id: `u${users++}`, user_info: { n } });
          ws.send(subscribeMessage(room, presenceAuth(APP, socketId, room, data), data));
        }
        if (n % 4 === 1) {
          const channel = `private-soak-${n % 10}`;
          ws.send(subscribeMessage(channel, privateAuth(APP, socketId, channel)));
          client.privateChannel = channel;
        }
      } else if (text.includes('"event":"tick"') || text.includes('"event":"client-tick"')) {
        received++;
      } else if (text.includes('pusher:error')) {
        note(`pusher:error ${text.slice(0, 200)}`);
      }
    });
    ws.on('error', (err) => {
      if (!leaving.has(ws)) note(`socket error: ${err.message}`);
    });
    pool.push(client);
  }

  /** Closes a client; one still connecting on a loaded box closes once it is open. */
  const leaving = new WeakSet<WebSocket>();
  function leave(c: Client): void {
    leaving.add(c.ws);
    if (c.ws.readyState === WebSocket.CONNECTING) c.ws.once('open', () => c.ws.close());
    else c.ws.close();
  }

  async function trigger(i: number): Promise<void> {
    const body = JSON.stringify({
      name: 'tick',
      channel: `soak-public-${i % 10}`,
      data: JSON.stringify({ i }),
    });
    try {
      const res = await fetch(`${http}${signedPath(APP, 'POST', `/apps/${APP.id}/events`, body)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
      if (res.status === 200) triggers++;
      else note(`trigger answered ${res.status}`);
    } catch (err) {
      note(`trigger failed: ${(err as Error).message}`);
    }
  }

  function clientEvent(i: number): void {
    const senders = pool.filter((c) => c.privateChannel && c.ws.readyState === WebSocket.OPEN);
    const c = senders[i % Math.max(1, senders.length)];
    if (!c) return;
    c.ws.send(JSON.stringify({ event: 'client-tick', channel: c.privateChannel, data: { i } }));
    clientEvents++;
  }

  for (let i = 0; i < poolSize; i++) open();
  const samples: Sample[] = [];
  const started = Date.now();
  const end = started + minutes * 60_000;
  let second = 0;
  let nextSample = started + sampleS * 1000;
  console.log(
    `# soak: ${minutes} min at ${rate} connects/s, pool ${poolSize}; ${describeMachine(machineFacts())}`,
  );
  console.log(
    '| t (s) | connections | RSS MiB | heap after GC MiB | loop p99 ms | loop max ms | busiest turn ms |',
  );
  console.log(
    '| ----- | ----------- | ------- | ----------------- | ----------- | ----------- | --------------- |',
  );
  await server.loop();
  while (Date.now() < end) {
    const tickStart = Date.now();
    // Churn: the oldest `rate` connections leave, `rate` new ones arrive.
    for (const c of pool.splice(0, rate)) leave(c);
    for (let i = 0; i < rate; i++) open();
    for (let i = 0; i < 2 * rate; i++) clientEvent(second * 2 * rate + i);
    await Promise.all(Array.from({ length: 2 * rate }, (_, i) => trigger(second * 2 * rate + i)));
    second++;
    if (Date.now() >= nextSample) {
      nextSample += sampleS * 1000;
      const [mem, loop] = await Promise.all([server.memory(), server.loop()]);
      const s: Sample = {
        t: Math.round((Date.now() - started) / 1000),
        connections: pool.filter((c) => c.ws.readyState === WebSocket.OPEN).length,
        rssMiB: (mem?.rss ?? 0) / MiB,
        heapMiB: (mem?.heapUsed ?? 0) / MiB,
        loopP99Ms: loop?.p99Ms ?? Number.NaN,
        loopMaxMs: loop?.maxMs ?? Number.NaN,
        busyMaxMs: loop?.busyMaxMs ?? Number.NaN,
        triggers,
        clientEvents,
        received,
        errors,
      };
      samples.push(s);
      console.log(
        `| ${s.t} | ${s.connections} | ${s.rssMiB.toFixed(1)} | ${s.heapMiB.toFixed(1)} | ${s.loopP99Ms.toFixed(1)} | ${s.loopMaxMs.toFixed(1)} | ${s.busyMaxMs.toFixed(1)} |`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tickStart))));
  }
  for (const c of pool) {
    leaving.add(c.ws);
    c.ws.terminate();
  }
  await server.stop();

  const warmIndex = Math.floor(samples.length / 5);
  const warm = median(samples.slice(warmIndex, warmIndex + 3).map((s) => s.heapMiB));
  const last = median(samples.slice(-3).map((s) => s.heapMiB));
  const growth = last - warm;
  const ok = samples.length >= 4 && growth <= boundMiB;
  const summary = {
    minutes,
    rate,
    pool: poolSize,
    opened,
    presenceUsers: users,
    triggers,
    clientEvents,
    received,
    errors,
    heapAfterWarmupMiB: warm,
    heapAtEndMiB: last,
    heapGrowthMiB: growth,
    boundMiB,
    rssMaxMiB: Math.max(...samples.map((s) => s.rssMiB)),
    loopP99MaxMs: Math.max(...samples.map((s) => s.loopP99Ms)),
    loopMaxMs: Math.max(...samples.map((s) => s.loopMaxMs)),
    busyMaxMs: Math.max(...samples.map((s) => s.busyMaxMs)),
    pass: ok,
  };
  console.log(
    `\nconnections opened ${opened} (${users} presence users), triggers ${triggers}, client events ${clientEvents}, ` +
      `frames received ${received}, errors ${errors}\n` +
      `heap after GC: ${warm.toFixed(1)} MiB after warm-up → ${last.toFixed(1)} MiB at the end ` +
      `(${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB; bound ${boundMiB} MiB): ${ok ? 'PASS' : 'FAIL'}`,
  );
  const file = join(ROOT, 'bench/results', `soak-${minutes}min.json`);
  writeFileSync(file, `${JSON.stringify({ machine: machineFacts(), summary, samples }, null, 2)}\n`);
  console.log(`written ${file}`);
  return ok ? 0 : 1;
}
