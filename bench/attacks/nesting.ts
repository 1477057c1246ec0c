/**
 * `npm run bench -- nesting [--seconds S] [--bin path/to/bin/herald.js]`: the deep-nesting attack of
 * issue 11, measured from outside against a `herald start` child at the default log level.
 *
 * 1. Server CPU per frame: 2,000 client-event frames whose `data` is nested 5,000 levels deep, against
 *    2,000 flat frames of the same size (10 KB), on an app with client events disabled.
 * 2. Flood: two connections send deep frames as fast as the server answers for S seconds while a
 *    signed trigger loop publishes to a channel a bystander follows: log lines written, triggers per
 *    second against a quiet baseline, and events the bystander lost.
 */
import { createHash, createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { HERALD_BIN, type SpawnedHerald, spawnHeraldProcess } from '../lib/spawn-herald.js';

const APP = { id: 'app-id', key: 'app-key', secret: 'app-secret' };
const DEPTH = 5000;
const FRAMES = 2000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export const deepFrame = (depth: number): string =>
  `{"event":"client-x","channel":"private-a","data":${'['.repeat(depth)}${']'.repeat(depth)}}`;
export const flatFrame = (bytes: number): string =>
  `{"event":"client-x","channel":"private-a","data":{"s":"${'x'.repeat(bytes)}"}}`;

function open(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/app/${APP.key}?protocol=7&client=bench&version=1`);
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends `n` copies of `frame` keeping `window` unanswered; resolves when all are answered. */
function pump(ws: WebSocket, frame: string, n: number, window: number): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    let answered = 0;
    const onMessage = () => {
      answered++;
      if (answered === n) {
        ws.off('message', onMessage);
        resolve();
      } else if (sent < n) {
        sent++;
        ws.send(frame);
      }
    };
    ws.on('message', onMessage);
    for (; sent < Math.min(window, n); sent++) ws.send(frame);
  });
}

async function cpuPerFrame(h: SpawnedHerald, frame: string): Promise<number> {
  const ws = await open(h.port);
  await pump(ws, frame, 100, 16); // warm-up
  const before = h.cpuMs();
  await pump(ws, frame, FRAMES, 16);
  const after = h.cpuMs();
  ws.close();
  return (after - before) / FRAMES;
}

function signedTrigger(port: number, body: string): Promise<number> {
  const path = `/apps/${APP.id}/events`;
  const md5 = createHash('md5').update(body).digest('hex');
  const query = `auth_key=${APP.key}&auth_timestamp=${Math.floor(Date.now() / 1000)}&auth_version=1.0&body_md5=${md5}`;
  const sig = createHmac('sha256', APP.secret).update(`POST\n${path}\n${query}`).digest('hex');
  return fetch(`http://127.0.0.1:${port}${path}?${query}&auth_signature=${sig}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });
}

/** Sequential triggers for `ms`; returns triggers per second and how many the bystander missed. */
async function triggerLoop(port: number, ms: number): Promise<{ perSecond: number; lost: number }> {
  const bystander = await open(port);
  const got = new Set<number>();
  bystander.on('message', (d) => {
    const m = /"n\\":(\d+)/.exec(d.toString());
    if (m) got.add(Number(m[1]));
  });
  bystander.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: 'bystander' } }));
  await new Promise((r) => setTimeout(r, 200));
  let n = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const status = await signedTrigger(
      port,
      JSON.stringify({ name: 'tick', channel: 'bystander', data: JSON.stringify({ n }) }),
    );
    if (status === 200) n++;
  }
  // Every event answered 200 must reach the bystander: give the last ones a moment to land.
  const deadline = Date.now() + 5000;
  while (got.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  bystander.close();
  return { perSecond: n / (ms / 1000), lost: n - got.size };
}

async function flood(port: number, ms: number): Promise<{ framesPerSecond: number }> {
  const attackers = await Promise.all([open(port), open(port)]);
  const frame = deepFrame(DEPTH);
  let answered = 0;
  let stop = false;
  await Promise.all(
    attackers.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let inFlight = 0;
          const send = () => {
            while (!stop && inFlight < 32) {
              inFlight++;
              ws.send(frame);
            }
            if (stop && inFlight === 0) resolve();
          };
          ws.on('message', () => {
            inFlight--;
            answered++;
            send();
          });
          send();
          setTimeout(() => {
            stop = true;
            if (inFlight === 0) resolve();
          }, ms);
        }),
    ),
  );
  for (const ws of attackers) ws.close();
  return { framesPerSecond: answered / (ms / 1000) };
}

export async function runNesting(argv: string[]): Promise<void> {
  const flag = (k: string) => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seconds = Number(flag('seconds') ?? 20);
  const bin = flag('bin') ?? HERALD_BIN;
  const runs = Number(flag('runs') ?? 3);
  const deep: number[] = [];
  const flat: number[] = [];
  for (let i = 0; i < runs; i++) {
    const h = await spawnHeraldProcess({ HERALD_LOG_LEVEL: 'info' }, bin);
    try {
      deep.push(await cpuPerFrame(h, deepFrame(DEPTH)));
      flat.push(await cpuPerFrame(h, flatFrame(10 * 1024)));
    } finally {
      await h.stop();
    }
  }
  console.log(`bin: ${bin}`);
  console.log(
    `server CPU per frame (median of ${runs}): deep(${DEPTH}) ${median(deep).toFixed(3)} ms [${deep.map((x) => x.toFixed(3)).join(', ')}], flat 10 KB ${median(flat).toFixed(3)} ms [${flat.map((x) => x.toFixed(3)).join(', ')}]`,
  );

  const h = await spawnHeraldProcess({ HERALD_LOG_LEVEL: 'info' }, bin);
  try {
    const quiet = await triggerLoop(h.port, 5000);
    const linesBefore = h.lines();
    const [attack, loud] = await Promise.all([
      flood(h.port, seconds * 1000),
      triggerLoop(h.port, seconds * 1000),
    ]);
    const lines = h.lines() - linesBefore;
    console.log(
      `flood ${seconds} s, 2 connections: ${attack.framesPerSecond.toFixed(0)} deep frames/s answered, ${lines} log lines; ` +
        `triggers/s ${quiet.perSecond.toFixed(0)} quiet → ${loud.perSecond.toFixed(0)} under attack; bystander lost ${quiet.lost + loud.lost}`,
    );
  } finally {
    await h.stop();
  }
}
