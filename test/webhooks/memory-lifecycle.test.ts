/**
 * The in-memory queue's life: a batch that fails past its retry window is dead-lettered (and counted),
 * can be replayed in-process, and its log line names the target without its credentials; a graceful close
 * sends the vacates still held by the WH-05 delay.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { ServerEvent } from '../../src/events/server-events.js';
import { MemoryWebhookQueue } from '../../src/webhooks/memory-queue.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { startHerald, TEST_APP, type TestServer } from '../helpers/server.js';
import { connect, subscribed } from '../helpers/webhook-clients.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

let receiver: WebhookReceiver;
let server: TestServer;
let closed = false;
const injected = new MemoryWebhookQueue();
const clients: PusherJs[] = [];
const outcomes: Extract<ServerEvent, { type: 'webhook' }>[] = [];
const logLines: string[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  }),
);

function outcome(kind: string, count: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = () => outcomes.filter((o) => o.outcome === kind).length >= count;
    if (check()) return resolve();
    const timer = setTimeout(() => reject(new Error(`no ${kind} outcome`)), 10_000);
    const off = server.herald.events.on('webhook', () => {
      if (!check()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

before(async () => {
  receiver = await WebhookReceiver.start(TEST_APP);
  server = await startHerald(
    {
      webhooks: {
        batchSize: 20,
        batchWindowMs: 20,
        delayMs: 60_000,
        timeoutMs: 300,
        // Long enough that a loaded machine still makes a second attempt before the window closes.
        retryWindowMs: 1500,
        retryBaseMs: 30,
        retryMaxMs: 60,
      },
      apps: [
        {
          ...TEST_APP,
          webhooks: [
            {
              // Credentials in the authority and the query: they must never reach a log line.
              url: receiver.url('/hook?token=tok-secret&v=1').replace('//', '//hook-user:hook-pass@'),
              allowUrlCredentials: true,
              events: ['channel_occupied', 'channel_vacated'],
            },
          ],
        },
      ],
    },
    { webhookQueue: injected, logger },
  );
  server.herald.events.on('webhook', (e) => outcomes.push(e));
});

after(async () => {
  for (const c of clients) c.disconnect();
  if (!closed) await server.close();
  await receiver.close();
});

test('a batch failing past its retry window is dead-lettered, counted, and can be replayed', async () => {
  receiver.mode = 503;
  const c = await connect(server.app, server.port);
  clients.push(c);
  await subscribed(c, 'dead-1');
  await outcome('dead_lettered', 1);
  const webhooks = server.herald.webhooks!;
  assert.equal(webhooks.queue, injected, 'the queue passed in HeraldDeps is the one used');
  const dead = await webhooks.queue.deadLetters();
  assert.equal(dead.length, 1);
  assert.match(dead[0]!.body, /"dead-1"/);
  assert.match(dead[0]!.reason, /HTTP 503/);
  assert.ok(dead[0]!.attempts >= 2, `attempts: ${dead[0]!.attempts}`);
  const attempts = receiver.requests.filter((r) => r.id === dead[0]!.id);
  assert.equal(attempts.length, dead[0]!.attempts);
  assert.ok(outcomes.filter((o) => o.outcome === 'failed').length >= dead[0]!.attempts);
  const deadLine = logLines.find((l) => l.includes('dead-lettered'));
  assert.ok(deadLine, 'the dead-letter is logged');
  assert.match(deadLine, /"url":"http:\/\/\*\*\*@127\.0\.0\.1:\d+\/hook\?token=\*\*\*&v=1"/);
  for (const line of logLines) assert.doesNotMatch(line, /hook-pass|hook-user|tok-secret/);
  // Masking is for logs only: the receiver got the real URL, query token and Basic credentials included.
  assert.ok(attempts.every((r) => r.path === '/hook?token=tok-secret&v=1'));
  const basic = `Basic ${Buffer.from('hook-user:hook-pass').toString('base64')}`;
  assert.ok(attempts.every((r) => r.headers.authorization === basic));

  receiver.mode = 200;
  assert.equal(await webhooks.replay('all'), 1);
  await receiver.waitFor('the replayed batch', () => receiver.accepted.some((r) => r.id === dead[0]!.id));
  assert.deepEqual(await webhooks.queue.deadLetters(), []);
});

test('a graceful close sends the vacates still waiting out their delay', async () => {
  receiver.mode = 200;
  const c = await connect(server.app, server.port);
  clients.push(c);
  await subscribed(c, 'closing-1');
  await receiver.waitFor('occupied', () =>
    receiver.acceptedEvents().some((e) => e.channel === 'closing-1' && e.name === 'channel_occupied'),
  );
  closed = true;
  await server.close();
  // The delay is a minute: only the shutdown flush can have sent it by now.
  assert.ok(
    receiver.acceptedEvents().some((e) => e.channel === 'closing-1' && e.name === 'channel_vacated'),
    'vacate delivered before close resolved',
  );
  assert.ok(receiver.requests.every((r) => r.valid));
});
