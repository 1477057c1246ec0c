/** ClientLog: at most N lines per connection and M per IP in a window, and one line counting the rest. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { ClientLog } from '../../src/logging/client-log.js';

function setup() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n'))
          if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  );
  let now = 1_000_000;
  const log = new ClientLog(logger, () => now, { windowMs: 10_000, perConnection: 3, perIp: 5 });
  return { lines, log, advance: (ms: number) => (now += ms) };
}

const flush = () => new Promise((r) => setImmediate(r));

test('one connection gets its quota per window, then nothing until the next window', async () => {
  const { lines, log, advance } = setup();
  for (let i = 0; i < 50; i++) log.debug({ ip: '10.0.0.1', socketId: 's1' }, { i }, 'client error');
  await flush();
  assert.deepEqual(
    lines.map((l) => l['i']),
    [0, 1, 2],
  );
  advance(10_000);
  log.debug({ ip: '10.0.0.1', socketId: 's1' }, { i: 99 }, 'client error');
  await flush();
  const summary = lines.find((l) => l['suppressed'] !== undefined);
  assert.equal(summary?.['suppressed'], 47);
  assert.equal(lines.at(-1)?.['i'], 99);
});

test('many connections from one address share the per-IP quota; another address has its own', async () => {
  const { lines, log } = setup();
  for (let s = 0; s < 20; s++) log.warn({ ip: '10.0.0.2', socketId: `s${s}` }, { s }, 'slow consumer closed');
  log.warn({ ip: '10.0.0.3' }, { other: true }, 'slow consumer closed');
  await flush();
  assert.equal(lines.filter((l) => l['s'] !== undefined).length, 5);
  assert.equal(lines.filter((l) => l['other']).length, 1);
});

test('a level that is off costs no quota', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const log = new ClientLog(pino({ level: 'warn' }, sink), Date.now, {
    windowMs: 10_000,
    perConnection: 3,
    perIp: 5,
  });
  for (let i = 0; i < 10; i++) log.debug({ ip: 'x', socketId: 'y' }, {}, 'not logged');
  for (let i = 0; i < 3; i++) log.warn({ ip: 'x', socketId: 'y' }, {}, 'logged');
  await flush();
  assert.equal(lines.length, 3);
});
