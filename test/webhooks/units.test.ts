/** The pure and timer-driven pieces of webhooks: payloads, signing vector, back-off, delay, batching. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import PusherServer from 'pusher';
import { signWebhook } from '../../src/protocol/signatures.js';
import { Batcher } from '../../src/webhooks/batcher.js';
import { DelayedEvents } from '../../src/webhooks/delayed-events.js';
import { backoff } from '../../src/webhooks/deliverer.js';
import { targetKeys, targetWants, webhookBody, webhookEvent } from '../../src/webhooks/payload.js';
import type { WebhookBatch } from '../../src/webhooks/webhook-queue.js';

/** T-11 (test/fixtures/vectors.json `webhooks[0]`, see docs/protocol-requirements.md#test-vectors). */
const T11 = {
  body: '{"time_ms":1700000000000,"events":[{"name":"channel_occupied","channel":"my-channel"}]}',
  signature: 'fec9fff324b82111ea03affc886e951bec5ee7a9e365bfd05cf254414c990a1a',
};

describe('payloads', () => {
  test('T-11: the body we build and its signature match the spec vector, and the SDK accepts them', () => {
    const body = webhookBody(1700000000000, [
      webhookEvent({ type: 'channel_occupied', appId: 'app-id', channel: 'my-channel' }),
    ]);
    assert.equal(body, T11.body);
    assert.equal(signWebhook('app-secret', body), T11.signature);
    const sdk = new PusherServer({ appId: 'app-id', key: 'app-key', secret: 'app-secret', cluster: 'mt1' });
    const headers = {
      'x-pusher-key': 'app-key',
      'x-pusher-signature': signWebhook('app-secret', body),
      'content-type': 'application/json',
    };
    assert.equal(sdk.webhook({ headers, rawBody: body }).isValid(), true);
    assert.equal(
      sdk
        .webhook({
          headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
          rawBody: body,
        })
        .isValid(),
      false,
      'why the content type must be exact',
    );
  });

  test('each kind has Pusher field names; user_id only when the client event came from presence', () => {
    assert.deepEqual(
      webhookEvent({ type: 'member_removed', appId: 'a', channel: 'presence-x', userId: 'u' }),
      {
        name: 'member_removed',
        channel: 'presence-x',
        user_id: 'u',
      },
    );
    assert.deepEqual(webhookEvent({ type: 'subscription_count', appId: 'a', channel: 'c', count: 3 }), {
      name: 'subscription_count',
      channel: 'c',
      subscription_count: 3,
    });
    assert.deepEqual(
      webhookEvent({
        type: 'client_event',
        appId: 'a',
        channel: 'private-c',
        event: 'client-e',
        data: '{}',
        socketId: '1.2',
      }),
      { name: 'client_event', channel: 'private-c', event: 'client-e', data: '{}', socket_id: '1.2' },
    );
  });

  test('targets match by kind, prefix and suffix; keys are stable and distinct for the same URL twice', () => {
    const t = {
      url: 'http://x/',
      events: ['channel_occupied' as const],
      filter: { channelPrefix: 'private-', channelSuffix: '-room' },
    };
    assert.equal(targetWants(t, 'channel_occupied', 'private-a-room'), true);
    assert.equal(targetWants(t, 'channel_occupied', 'private-a'), false);
    assert.equal(targetWants(t, 'channel_occupied', 'a-room'), false);
    assert.equal(targetWants(t, 'channel_vacated', 'private-a-room'), false);
    const keys = targetKeys('app', [t, t, { ...t, url: 'http://y/' }]);
    assert.equal(new Set(keys).size, 3);
    assert.deepEqual(targetKeys('app', [t, t, { ...t, url: 'http://y/' }]), keys);
    assert.equal(
      targetKeys('app', [{ ...t, url: 'http://y/' }])[0],
      keys[2],
      'a reorder keeps the key of a URL',
    );
  });
});

describe('back-off', () => {
  test('doubles from the base, capped at the maximum, with jitter between half and all of it', () => {
    assert.equal(
      backoff(1, 1000, 60_000, () => 1),
      1000,
    );
    assert.equal(
      backoff(1, 1000, 60_000, () => 0),
      500,
    );
    assert.equal(
      backoff(4, 1000, 60_000, () => 1),
      8000,
    );
    assert.equal(
      backoff(20, 1000, 60_000, () => 1),
      60_000,
    );
    for (let i = 0; i < 100; i++) {
      const d = backoff(3, 1000, 60_000);
      assert.ok(d >= 2000 && d <= 4000, String(d));
    }
  });
});

/** Webhook timers are unref'd (they must not keep a stopping server alive): hold the loop open meanwhile. */
async function withLoop<T>(fn: () => Promise<T>): Promise<T> {
  const keep = setTimeout(() => {}, 10_000);
  try {
    return await fn();
  } finally {
    clearTimeout(keep);
  }
}

describe('delayed events (WH-05)', () => {
  test('released after the delay in order; a cancelled key is never released', async () => {
    const released: string[] = [];
    let last: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      last = resolve;
    });
    const d = new DelayedEvents<string>(
      30,
      (v) => {
        released.push(v);
        if (v === 'c') last();
      },
      Date.now,
    );
    d.hold('k1', 'a');
    d.hold('k2', 'b');
    d.hold('k3', 'c');
    assert.equal(d.cancel('k2'), true);
    assert.equal(d.cancel('k2'), false);
    assert.deepEqual(released, []);
    await withLoop(() => done);
    assert.deepEqual(released, ['a', 'c']);
    assert.equal(d.size, 0);
  });

  test('flush releases everything held at once', () => {
    const released: string[] = [];
    const d = new DelayedEvents<string>(60_000, (v) => released.push(v), Date.now);
    d.hold('k1', 'a');
    d.hold('k2', 'b');
    d.cancel('k1');
    d.flush();
    assert.deepEqual(released, ['b']);
  });
});

describe('batcher', () => {
  test('seals at batchSize at once, and otherwise after the window, with time_ms of the oldest event', async () => {
    const sealed: WebhookBatch[] = [];
    let onSeal: () => void = () => {};
    const b = new Batcher(
      2,
      30,
      (batch) => {
        sealed.push(batch);
        onSeal();
      },
      Date.now,
    );
    b.add('app', 't', 'http://x/', { name: 'channel_occupied', channel: 'a' }, 1000);
    b.add('app', 't', 'http://x/', { name: 'channel_occupied', channel: 'b' }, 900);
    assert.equal(sealed.length, 1, 'full batch sealed synchronously');
    assert.equal(sealed[0]!.timeMs, 900);
    assert.equal(
      sealed[0]!.body,
      '{"time_ms":900,"events":[{"name":"channel_occupied","channel":"a"},{"name":"channel_occupied","channel":"b"}]}',
    );
    const windowed = new Promise<void>((resolve) => {
      onSeal = resolve;
    });
    b.add('app', 't', 'http://x/', { name: 'channel_vacated', channel: 'a' }, 2000);
    assert.equal(sealed.length, 1);
    await withLoop(() => windowed);
    assert.equal(sealed.length, 2);
    assert.equal(sealed[1]!.events, 1);
    assert.notEqual(sealed[0]!.id, sealed[1]!.id);
  });
});
