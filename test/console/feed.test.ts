/**
 * The console's feed from a script's side (Server-Sent Events with a Bearer token): filters are applied
 * on the server, a burst is bounded per page with the overflow reported as dropped, and the tap exists
 * only while a feed is open.
 */
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import { startHerald, type TestServer } from '../helpers/server.js';

const TOKEN = 'feed-console-token-0123456789';
let server: TestServer;

before(async () => {
  server = await startHerald({ console: { enabled: true, port: 0, token: TOKEN } });
});
after(() => server?.close());

interface Feed {
  /** Resolves with the first `event` whose data passes `match`. */
  next<T>(event: string, match?: (data: T) => boolean, ms?: number): Promise<T>;
  close(): void;
}

function openFeed(query = ''): Promise<Feed> {
  return new Promise((resolve, reject) => {
    const seen: { event: string; data: unknown }[] = [];
    const waiters: { event: string; match: (d: unknown) => boolean; resolve: (d: unknown) => void }[] = [];
    const req = get(
      {
        host: '127.0.0.1',
        port: server.consolePort,
        path: `/api/feed${query}`,
        headers: { Authorization: `Bearer ${TOKEN}` },
      },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) return reject(new Error(`feed answered ${res.statusCode}`));
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let end = buf.indexOf('\n\n');
          while (end >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            end = buf.indexOf('\n\n');
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!event || data === undefined) continue;
            const parsed = JSON.parse(data) as unknown;
            const i = waiters.findIndex((w) => w.event === event && w.match(parsed));
            if (i >= 0) waiters.splice(i, 1)[0]!.resolve(parsed);
            else seen.push({ event, data: parsed });
          }
        });
        resolve({
          next<T>(event: string, match: (d: T) => boolean = () => true, ms = 5000): Promise<T> {
            const i = seen.findIndex((s) => s.event === event && match(s.data as T));
            if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]!.data as T);
            return new Promise<T>((res2, rej) => {
              const timer = setTimeout(() => rej(new Error(`no ${event} within ${ms} ms`)), ms);
              waiters.push({
                event,
                match: match as (d: unknown) => boolean,
                resolve: (d) => {
                  clearTimeout(timer);
                  res2(d as T);
                },
              });
            });
          },
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
  });
}

interface LogBatch {
  entries: { kind: string; channel?: string; event?: string }[];
  dropped: number;
}

function apiMessage(channel: string, event: string) {
  return { type: 'api_message' as const, appId: 'app-id', channels: [channel], event, data: '{}' };
}

test('no tap before a feed opens; a feed opens it', async () => {
  assert.equal(server.herald.console?.tapping, false);
  const feed = await openFeed();
  await feed.next('hello');
  assert.equal(server.herald.console?.tapping, true);
  feed.close();
});

test('the server applies the filter: only entries of the channel prefix and kinds asked for arrive', async () => {
  const feed = await openFeed('?channel=orders-&kinds=api_message');
  await feed.next('hello');
  const { events } = server.herald;
  events.emit(apiMessage('news', 'not-for-this-page'));
  events.emit({ type: 'channel_occupied', appId: 'app-id', channel: 'orders-1' });
  events.emit(apiMessage('orders-1', 'shipped'));
  const batch = await feed.next<LogBatch>('log');
  assert.deepEqual(
    batch.entries.map((e) => [e.kind, e.channel, e.event]),
    [['api_message', 'orders-1', 'shipped']],
  );
  feed.close();
});

test('a burst is bounded per page, and the page is told how much it missed', async () => {
  const feed = await openFeed('?channel=burst');
  await feed.next('hello');
  for (let i = 0; i < 2000; i++) server.herald.events.emit(apiMessage('burst', `e${i}`));
  const first = await feed.next<LogBatch>('log');
  assert.equal(first.entries.length, 500, 'at most 500 entries per flush');
  assert.equal(first.entries[0]?.event, 'e0');
  server.herald.events.emit(apiMessage('burst', 'after'));
  const second = await feed.next<LogBatch>('log');
  assert.equal(second.dropped + first.dropped, 1500);
  assert.deepEqual(
    second.entries.map((e) => e.event),
    ['after'],
  );
  feed.close();
});
