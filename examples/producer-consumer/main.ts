/**
 * Runs the example in one terminal: Herald as configured by herald.json (embedded here; `herald start
 * --config herald.json` runs the same server), the order service on PORT, and the consumer as its own
 * process, its lines prefixed with [consumer].
 *
 * Press Enter to stop Herald and Enter again to start it on the same port: orders placed meanwhile get a
 * 503, the consumer reconnects by itself and resumes from where it was.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createHerald, type Herald, loadConfig } from 'herald';
import Pusher from 'pusher';
import { createService } from './service.js';

const HOST = '127.0.0.1';
// herald.json lives beside the source; this file runs from dist/examples/producer-consumer/.
const CONFIG = fileURLToPath(new URL('../../../examples/producer-consumer/herald.json', import.meta.url));
const CONSUMER = fileURLToPath(new URL('consumer.js', import.meta.url));

/** Herald from herald.json, with HERALD_* variables on top as for `herald start`, on `port` (0: a free one). */
async function startHerald(port: number): Promise<{ herald: Herald; port: number }> {
  const herald = createHerald(loadConfig({ file: CONFIG, env: process.env, flags: { port: String(port) } }));
  return { herald, port: (await herald.listen()).port };
}

/** Runs the consumer process with this service's address and credentials, prefixing its lines. */
function startConsumer(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [CONSUMER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout! }).on('line', (line) => console.log(`[consumer] ${line}`));
  createInterface({ input: child.stderr! }).on('line', (line) => console.error(`[consumer] ${line}`));
  return child;
}

let { herald, port: heraldPort } = await startHerald(Number(process.env.HERALD_PORT ?? 6001));
const app = herald.config.apps[0]!;
const pusher = new Pusher({
  appId: app.id,
  key: app.key,
  secret: app.secret,
  host: HOST,
  port: String(heraldPort),
  useTLS: false,
  timeout: 5000,
});
// Only the consumer holds it; in an app it comes from a secret store.
const consumerToken = process.env.CONSUMER_TOKEN ?? randomBytes(16).toString('hex');

const service = createService({ pusher, consumerToken, stock: { widget: 12, gadget: 8 } });
const server = service.listen(Number(process.env.PORT ?? 3000), HOST);
await once(server, 'listening');
const url = `http://${HOST}:${(server.address() as AddressInfo).port}`;
console.log(`order service listening on ${url}, Herald on ws://${HOST}:${heraldPort}`);

const consumer = startConsumer({
  SERVICE_URL: url,
  HERALD_PORT: String(heraldPort),
  HERALD_KEY: app.key,
  CONSUMER_TOKEN: consumerToken,
});
console.log(`consumer started (pid ${consumer.pid}); press Enter to stop Herald, Enter again to start it`);

let running = true;
let toggling = Promise.resolve();
createInterface({ input: process.stdin }).on('line', () => {
  toggling = toggling
    .then(async () => {
      if (running) {
        await herald.close();
        console.log('Herald stopped');
      } else {
        ({ herald } = await startHerald(heraldPort));
        console.log(`Herald started again on ws://${HOST}:${heraldPort}`);
      }
      running = !running;
    })
    .catch((err: unknown) => console.error(`Herald ${running ? 'stop' : 'start'} failed:`, err));
});

const stop = async () => {
  consumer.kill();
  server.closeAllConnections();
  server.close();
  if (running) await herald.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
