/**
 * Collaborative editing with Laravel Echo (pusher-js with encryption underneath): editors join the
 * document's presence channel (one of them in two tabs), stream cursors as whispers, the app saves
 * through the SDK with `toOthers()` (Echo's socket id in `X-Socket-ID`, sent as `socket_id`), secrets
 * go over `encryptedPrivate`, and a tab leaving never makes its user leave while another tab stays.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Echo from 'laravel-echo';
import PusherServer from 'pusher';
import { serverEvent } from '../helpers/clients.js';
import type { PusherJs } from '../helpers/pusher-js.js';
import { PusherJsWithEncryption } from '../helpers/pusher-js-encrypted.js';
import { startHerald, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const MASTER_KEY = Buffer.alloc(32, 42).toString('base64');
let server: TestServer;
let sdk: PusherServer;
const echos: Echo<'pusher'>[] = [];

interface Editor {
  id: number;
  name: string;
}

before(async () => {
  server = await startHerald();
  sdk = new PusherServer({
    appId: server.app.id,
    key: server.app.key,
    secret: server.app.secret,
    host: '127.0.0.1',
    port: String(server.port),
    useTLS: false,
    encryptionMasterKeyBase64: MASTER_KEY,
  });
});
after(async () => {
  for (const e of echos) e.disconnect();
  await server.close();
});

function echoFor(user: Editor): Echo<'pusher'> {
  const echo = new Echo({
    broadcaster: 'pusher',
    key: server.app.key,
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    Pusher: PusherJsWithEncryption,
    // What Laravel's /broadcasting/auth answers, signed by the SDK holding the master key.
    authorizer: (channel: { name: string }) => ({
      authorize: (socketId: string, cb: (e: Error | null, d: unknown) => void) =>
        cb(
          null,
          sdk.authorizeChannel(
            socketId,
            channel.name,
            channel.name.startsWith('presence-')
              ? { user_id: String(user.id), user_info: user }
              : (undefined as never),
          ),
        ),
    }),
  } as never) as Echo<'pusher'>;
  echos.push(echo);
  return echo;
}

const pusherOf = (e: Echo<'pusher'>) => (e.connector as unknown as { pusher: PusherJs }).pusher;

test('a document session: here/joining, cursor whispers, toOthers saves, encrypted secrets, tabs leaving', async () => {
  const DOC = 'documents.7';
  const ada = { id: 1, name: 'Ada' };
  const bob = { id: 2, name: 'Bob' };
  const adaTab1 = echoFor(ada);
  const here1 = await waitFor<Editor[]>('here ada', (r) => adaTab1.join(DOC).here(r));
  assert.deepEqual(here1, [ada]);

  const bobJoined = waitFor<Editor>('joining bob', (r) => adaTab1.join(DOC).joining(r));
  const bobEcho = echoFor(bob);
  const here2 = await waitFor<Editor[]>('here bob', (r) => bobEcho.join(DOC).here(r));
  assert.deepEqual(
    here2.sort((x, y) => x.id - y.id),
    [ada, bob],
  );
  assert.deepEqual(await bobJoined, bob);

  // Ada opens the document in a second tab: Bob hears no second joining for her.
  const joins: Editor[] = [];
  bobEcho.join(DOC).joining((m: Editor) => joins.push(m));
  const adaTab2 = echoFor(ada);
  const here3 = await waitFor<Editor[]>('here ada tab 2', (r) => adaTab2.join(DOC).here(r));
  assert.equal(here3.length, 2);

  // Cursor whispers: every other connection, both of Ada's tabs included, none back to Bob.
  const cursors = [adaTab1, adaTab2].map((e) =>
    waitFor<{ x: number }>('cursor', (r) => e.join(DOC).listenForWhisper('cursor', r)),
  );
  const selfHeard: unknown[] = [];
  bobEcho.join(DOC).listenForWhisper('cursor', (d: unknown) => selfHeard.push(d));
  bobEcho.join(DOC).whisper('cursor', { x: 12 });
  for (const c of await Promise.all(cursors)) assert.deepEqual(c, { x: 12 });

  // Bob saves; Laravel broadcasts DocumentSaved toOthers() with Echo's socket id.
  const saves = [adaTab1, adaTab2, bobEcho].map((e, i) => {
    const got: unknown[] = [];
    e.join(DOC).listen('DocumentSaved', (d: unknown) => got.push(d));
    return { i, got };
  });
  const adaSaw = [adaTab1, adaTab2].map((e) =>
    waitFor<unknown>('DocumentSaved', (r) => e.join(DOC).listen('.App\\Events\\DocumentSaved', r)),
  );
  await sdk.trigger(
    `presence-${DOC}`,
    'App\\Events\\DocumentSaved',
    { rev: 3 },
    { socket_id: bobEcho.socketId()! },
  );
  for (const d of await Promise.all(adaSaw)) assert.deepEqual(d, { rev: 3 });

  // Secrets over an encrypted private channel, decrypted by pusher-js in each Echo.
  const secret = [adaTab1, bobEcho].map((e) =>
    waitFor<unknown>('KeyRotated', (r) => e.encryptedPrivate(`doc-keys.7`).listen('KeyRotated', r)),
  );
  await Promise.all(
    [adaTab1, bobEcho].map((e) =>
      waitFor('encrypted subscribed', (r) => e.encryptedPrivate('doc-keys.7').subscribed(() => r(undefined))),
    ),
  );
  await sdk.trigger('private-encrypted-doc-keys.7', 'App\\Events\\KeyRotated', { key: 'k-2 🔑' });
  for (const s of await Promise.all(secret)) assert.deepEqual(s, { key: 'k-2 🔑' });

  // Ada closes tab 1: she is still here. Then tab 2: Bob sees her leave.
  const leftEvents: Editor[] = [];
  bobEcho.join(DOC).leaving((m: Editor) => leftEvents.push(m));
  const tab1Gone = serverEvent(
    server,
    'unsubscribed',
    (e) => e.channel === `presence-${DOC}` && e.socketId === adaTab1.socketId(),
  );
  adaTab1.leave(DOC);
  await tab1Gone;
  // Barrier on the channel: an event published now arrives after any member_removed for tab 1.
  const barrier = waitFor('barrier', (r) => bobEcho.join(DOC).listen('.barrier', r));
  await sdk.trigger(`presence-${DOC}`, 'barrier', {});
  await barrier;
  assert.deepEqual(leftEvents, [], 'Ada still has a tab on the document');
  const leaving = waitFor<Editor>('leaving ada', (r) => bobEcho.join(DOC).leaving(r));
  adaTab2.disconnect();
  assert.deepEqual(await leaving, ada);

  assert.deepEqual(joins, [], 'no joining for a second tab');
  assert.deepEqual(selfHeard, [], 'the whisperer does not hear itself');
  assert.deepEqual(saves[2]!.got, [], 'toOthers excluded the saver');
  assert.equal(pusherOf(bobEcho).connection.state, 'connected');
});
