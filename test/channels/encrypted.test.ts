/**
 * End-to-end encrypted channels (ENC-01..ENC-06, CH-06) with `pusher-js/with-encryption` and the
 * `pusher` SDK's `encryptionMasterKeyBase64`: Herald authorizes like a private channel, answers
 * `data:"{}"` and forwards the ciphertext untouched — it never has the key.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { channelStringToSign, md5Hex, signApiRequest, signAuth } from '../../src/protocol/signatures.js';
import { once, pusherClient, pusherOptions } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { PusherJsWithEncryption } from '../helpers/pusher-js-encrypted.js';
import { RawClient } from '../helpers/raw-client.js';
import { sdkFor } from '../helpers/sdk.js';
import { startHerald, type TestServer } from '../helpers/server.js';

const V = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/vectors.json', import.meta.url), 'utf8'),
) as {
  encryption: { masterKeyBase64: string; channel: string; sharedSecretBase64: string };
};
/** T-12: the fixed-nonce ciphertext of {"message":"hello"} on private-encrypted-foo. */
const T12 =
  '{"nonce":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX","ciphertext":"qwfNfoalgMQ6GxPaF015eMddCU6GtpvMpGpsHnNLlm9yNmQ="}';

let server: TestServer;
const clients: PusherJs[] = [];

function encryptingSdk() {
  return sdkFor(server, { encryptionMasterKeyBase64: V.encryption.masterKeyBase64 });
}

function webClient(): PusherJs {
  const p = new PusherJsWithEncryption(server.app.key, pusherOptions(server, { sdk: encryptingSdk() }));
  clients.push(p);
  return p;
}

async function rawSubscriber(channel: string): Promise<RawClient> {
  const raw = await RawClient.open(server);
  const auth = signAuth('app-key', 'app-secret', channelStringToSign(raw.socketId, channel));
  const reply = await raw.subscribe(channel, { auth });
  // ENC-06: exactly "{}" (Java decrypts any other payload).
  assert.equal(
    reply.raw,
    `{"event":"pusher_internal:subscription_succeeded","channel":"${channel}","data":"{}"}`,
  );
  return raw;
}

before(async () => {
  server = await startHerald();
});
after(async () => {
  for (const p of clients) p.disconnect();
  await server.close();
});

describe('private-encrypted channels', () => {
  test('with-encryption subscribes with the SDK-issued shared secret and decrypts SDK triggers', async () => {
    const p = webClient();
    const ch = p.subscribe('private-encrypted-vault');
    await once(ch, 'pusher:subscription_succeeded');
    const got = once(ch, 'secret');
    await encryptingSdk().trigger('private-encrypted-vault', 'secret', { amount: 42, note: 'ü' });
    assert.deepEqual(await got, { amount: 42, note: 'ü' });
  });

  test('the server forwards the ciphertext opaque: a raw subscriber sees nonce and ciphertext only', async () => {
    const raw = await rawSubscriber('private-encrypted-opaque');
    await encryptingSdk().trigger('private-encrypted-opaque', 'secret', { plain: 'text' });
    const f = await raw.nextEvent('secret', 'private-encrypted-opaque');
    assert.equal(typeof f.data, 'string');
    const payload = JSON.parse(f.data as string) as Record<string, string>;
    assert.deepEqual(Object.keys(payload).sort(), ['ciphertext', 'nonce']);
    assert.ok(!(f.data as string).includes('"plain"'), 'no plaintext on the wire');
    raw.close();
  });

  test('T-12: a fixed ciphertext published verbatim reaches raw clients byte for byte and decrypts in pusher-js', async () => {
    const channel = V.encryption.channel;
    const raw = await rawSubscriber(channel);
    const p = webClient();
    const ch = p.subscribe(channel);
    await once(ch, 'pusher:subscription_succeeded');
    const decrypted = once(ch, 'vector');
    // The SDK refuses encrypted channels without a master key, so publish the string as is by hand.
    const body = JSON.stringify({ name: 'vector', channel, data: T12 });
    const params: [string, string][] = [
      ['auth_key', 'app-key'],
      ['auth_timestamp', String(Math.floor(Date.now() / 1000))],
      ['auth_version', '1.0'],
      ['body_md5', md5Hex(body)],
    ];
    const sig = signApiRequest('app-secret', 'POST', '/apps/app-id/events', params);
    const qs = new URLSearchParams([...params, ['auth_signature', sig]]);
    const res = await fetch(server.httpUrl(`/apps/app-id/events?${qs}`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    assert.equal(res.status, 200, await res.clone().text());
    const f = await raw.nextEvent('vector', channel);
    assert.equal(f.raw, JSON.stringify({ event: 'vector', channel, data: T12 }));
    assert.deepEqual(await decrypted, { message: 'hello' });
    raw.close();
  });

  test('the Node build of pusher-js also decrypts', async () => {
    const p = pusherClient(server, { sdk: encryptingSdk() });
    clients.push(p);
    const ch = p.subscribe('private-encrypted-node');
    await once(ch, 'pusher:subscription_succeeded');
    const got = once(ch, 'e');
    await encryptingSdk().trigger('private-encrypted-node', 'e', ['a', 1]);
    assert.deepEqual(await got, ['a', 1]);
  });

  test('authorization is that of private channels: a forged auth is refused and the socket stays open', async () => {
    const raw = await RawClient.open(server);
    const reply = await raw.subscribe('private-encrypted-x', { auth: `app-key:${'0'.repeat(64)}` });
    assert.equal(reply.event, 'pusher:error');
    assert.match((reply.data as { message: string }).message, /^Invalid signature/);
    await raw.assertServed();
    raw.close();
  });
});
