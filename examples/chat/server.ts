/**
 * Chat rooms on Herald. Herald runs in this process (embedded through the package API); the HTTP side is
 * a plain node:http app: a controller triggers through the official `pusher` SDK, the pages use pusher-js
 * served from node_modules.
 *
 * Rooms are channels `CHAT_<roomId>`; "typing…" travels as client events on `presence-CHAT_<roomId>`.
 * Single-room mode: channel `chat`, event `new_message`.
 */
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

const APP = { id: 'chat', key: 'chat-key', secret: 'chat-secret' };
// The pages live beside the source; this file runs from dist/examples/chat/.
const PUBLIC = new URL('../../../examples/chat/public/', import.meta.url);
const PUSHER_JS = createRequire(import.meta.url).resolve('pusher-js/dist/web/pusher.min.js');

const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEXT = 500;

export interface ChatMessage {
  name: string;
  text: string;
  at: number;
}

/** Validates a posted message: a name and a non-empty text, both bounded. */
function parseMessage(body: unknown): ChatMessage {
  const { name, text } = (body ?? {}) as Record<string, unknown>;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 40)
    throw new HttpError(422, 'name must be 1 to 40 characters');
  if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT)
    throw new HttpError(422, `text must be 1 to ${MAX_TEXT} characters`);
  return { name: name.trim(), text: text.trim(), at: Date.now() };
}

export async function startChat(env: NodeJS.ProcessEnv = process.env): Promise<RunningApp> {
  const { herald, port: heraldPort } = await startHerald(APP, env, { clientEvents: true });
  const pusher = new Pusher({
    appId: APP.id,
    key: APP.key,
    secret: APP.secret,
    host: HOST,
    port: String(heraldPort),
    useTLS: false,
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    // One page for both modes; chat.js reads the path.
    if (req.method === 'GET' && (path === '/' || path === '/single'))
      return send(res, 200, await readFile(new URL('room.html', PUBLIC), 'utf8'), 'text/html; charset=utf-8');
    if (req.method === 'GET' && path === '/chat.js')
      return send(res, 200, await readFile(new URL('chat.js', PUBLIC), 'utf8'), 'text/javascript');
    if (req.method === 'GET' && path === '/pusher.js')
      return send(res, 200, await readFile(PUSHER_JS, 'utf8'), 'text/javascript');
    if (req.method === 'GET' && path === '/config')
      return send(res, 200, { key: APP.key, wsHost: HOST, wsPort: heraldPort });

    // The controller: validate, then broadcast to everyone in the room except the sender's own socket.
    const room = /^\/api\/chat\/([^/]+)$/.exec(path);
    if (req.method === 'POST' && room) {
      const roomId = decodeURIComponent(room[1]!);
      if (!ROOM_ID.test(roomId)) throw new HttpError(422, 'room id must match [A-Za-z0-9_-]{1,64}');
      const body = await readJson(req);
      const message = parseMessage(body);
      const socketId = typeof body.socket_id === 'string' ? body.socket_id : undefined;
      await pusher.trigger(`CHAT_${roomId}`, 'message', message, socketId ? { socket_id: socketId } : {});
      return send(res, 201, message);
    }
    if (req.method === 'POST' && path === '/api/chat') {
      const message = parseMessage(await readJson(req));
      await pusher.trigger('chat', 'new_message', message);
      return send(res, 201, message);
    }
    // Presence auth for the typing channel: the name the page sends is the member's identity.
    if (req.method === 'POST' && path === '/pusher/auth') {
      const form = new URLSearchParams(await readBody(req));
      const socketId = form.get('socket_id') ?? '';
      const channel = form.get('channel_name') ?? '';
      const name = form.get('name') ?? '';
      if (!channel.startsWith('presence-CHAT_') || name === '' || name.length > 40)
        throw new HttpError(403, 'not allowed');
      const auth = pusher.authorizeChannel(socketId, channel, { user_id: name, user_info: { name } });
      return send(res, 200, auth);
    }
    throw new HttpError(404, 'not found');
  }

  return serve(env, route, () => herald.close());
}

if (process.argv[1] === new URL(import.meta.url).pathname)
  await runMain('chat', () => startChat(), '/?room=lobby&name=alice');
