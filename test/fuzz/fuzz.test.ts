/**
 * A short fuzz run on every `npm test`: a few thousand seeded WebSocket frames and HTTP API requests
 * against one Herald (client events on, debug logging to a sink), with a pusher-js bystander. A fresh
 * seed each run, printed on failure; FUZZ_SEED=n replays one. `npm run fuzz -- --minutes N` runs longer.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { runFuzz } from './runner.js';

let server: TestServer;
const seed = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

before(async () => {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  server = await startHerald(
    { apps: [{ ...TEST_APP, clientEvents: true }] },
    { logger: pino({ level: 'debug' }, sink) },
  );
});
after(() => server.close());

test(`seeded fuzz of WebSocket frames and HTTP requests (seed ${seed})`, async () => {
  const report = await runFuzz(
    { host: server.host, port: server.port, app: TEST_APP, maxHttpBodyBytes: server.config.maxHttpBodyBytes },
    seed,
    { wsFrames: 1500, httpRequests: 600 },
  );
  assert.ok(report.bystanderEvents > 0);
  assert.ok(Object.keys(report.statuses).length > 3, `statuses: ${JSON.stringify(report.statuses)}`);
});
