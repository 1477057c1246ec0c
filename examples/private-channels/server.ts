/**
 * Private channels behind the app's own auth endpoint. The page sends its session token in
 * `channelAuthorization.params` / `userAuthentication.params`; the backend looks the token up and signs with
 * the official `pusher` SDK, or answers 403. `private-encrypted-` channels are end-to-end encrypted with a
 * master key that only this backend holds: Herald relays ciphertext.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import Pusher from 'pusher';
import {
  HOST,
  HttpError,
  type RunningApp,
  readBody,
  readJson,
  runMain,
  send,
  serve,
  startHerald,
} from '../shared/http.js';

const APP = { id: 'private', key: 'private-key', secret: 'private-secret' };
const PUBLIC = new URL('../../../examples/private-channels/public/', import.meta.url);
// The encrypted channels need pusher-js's build with tweetnacl.
const PUSHER_JS = createRequire(import.meta.url).resolve('pusher-js/dist/web/pusher-with-encryption.min.js');

interface User {
  id: string;
  name: string;
  admin: boolean;
}

/** Stand-in for the app's sessions: the token a logged-in page holds, and who it belongs to. */
const SESSIONS = new Map<string, User>([
  ['alice-token', { id: 'alice', name: 'Alice', admin: false }],
  ['root-token', { id: 'root', name: 'Root', admin: true }],
]);

function userFor(token: string | null): User {
  const user = token ? SESSIONS.get(token) : undefined;
  if (!user) throw new HttpError(403, 'invalid token');
  return user;
}

/** Who may join what: private-/private-encrypted-/presence- for any user, `private-admin-*` for admins. */
function mayJoin(user: User, channel: string): boolean {
  if (channel.startsWith('private-admin-')) return user.admin;
  return /^(private-encrypted-|private-|presence-)/.test(channel);
}

export async function startPrivateChannels(env: NodeJS.ProcessEnv = process.env): Promise<RunningApp> {
  const { herald, port: heraldPort } = await startHerald(APP, env);
  const pusher = new Pusher({
    appId: APP.id,
    key: APP.key,
    secret: APP.secret,
    host: HOST,
    port: String(heraldPort),
    useTLS: false,
    // 32 bytes; in an app this comes from a secret store, never from the client.
    encryptionMasterKeyBase64: env.ENCRYPTION_MASTER_KEY ?? randomBytes(32).toString('base64'),
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/')
      return send(
        res,
        200,
        await readFile(new URL('index.html', PUBLIC), 'utf8'),
        'text/html; charset=utf-8',
      );
    if (req.method === 'GET' && path === '/app.js')
      return send(res, 200, await readFile(new URL('app.js', PUBLIC), 'utf8'), 'text/javascript');
    if (req.method === 'GET' && path === '/pusher.js')
      return send(res, 200, await readFile(PUSHER_JS, 'utf8'), 'text/javascript');
    if (req.method === 'GET' && path === '/config')
      return send(res, 200, { key: APP.key, wsHost: HOST, wsPort: heraldPort });

    if (req.method === 'POST' && path === '/pusher/auth') {
      const form = new URLSearchParams(await readBody(req));
      const user = userFor(form.get('token'));
      const socketId = form.get('socket_id') ?? '';
      const channel = form.get('channel_name') ?? '';
      if (!mayJoin(user, channel)) throw new HttpError(403, `${user.id} may not join ${channel}`);
      const presence = channel.startsWith('presence-')
        ? { user_id: user.id, user_info: { name: user.name } }
        : undefined;
      return send(res, 200, pusher.authorizeChannel(socketId, channel, presence));
    }
    if (req.method === 'POST' && path === '/pusher/user-auth') {
      const form = new URLSearchParams(await readBody(req));
      const user = userFor(form.get('token'));
      return send(
        res,
        200,
        pusher.authenticateUser(form.get('socket_id') ?? '', { id: user.id, name: user.name }),
      );
    }
    // The backend side of the demo: one event on each channel of this user, and one to the user directly.
    if (req.method === 'POST' && path === '/api/ping') {
      const user = userFor(String((await readJson(req)).token ?? ''));
      const data = { text: `hello ${user.name}`, at: Date.now() };
      await Promise.all([
        pusher.trigger(`private-notes-${user.id}`, 'ping', data),
        pusher.trigger(`private-encrypted-secrets-${user.id}`, 'ping', data),
        pusher.trigger('presence-team', 'ping', data),
        pusher.sendToUser(user.id, 'ping', data),
      ]);
      return send(res, 202, data);
    }
    throw new HttpError(404, 'not found');
  }

  return serve(env, route, () => herald.close());
}

if (process.argv[1] === new URL(import.meta.url).pathname)
  await runMain('private-channels', () => startPrivateChannels(), '/?token=alice-token');
