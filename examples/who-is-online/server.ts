/**
 * Who is online, for rooms far past Pusher's 100-member presence cap (Herald's default limit is 10,000).
 * Browsers join `presence-online`; the backend keeps its own table of who is there from Herald's signed
 * `member_added` / `member_removed` webhooks, checked with the official SDK. Herald sends `member_removed`
 * when a member's last connection goes, however it goes (a crash included), so the table needs no
 * bookkeeping of its own and does not drift.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Herald } from 'herald';
import Pusher from 'pusher';
import {
  HOST,
  HttpError,
  type RunningApp,
  readBody,
  runMain,
  send,
  serve,
  startHerald,
} from '../shared/http.js';

const APP = { id: 'online', key: 'online-key', secret: 'online-secret' };
export const CHANNEL = 'presence-online';
const PUBLIC = new URL('../../../examples/who-is-online/public/', import.meta.url);
const PUSHER_JS = createRequire(import.meta.url).resolve('pusher-js/dist/web/pusher.min.js');
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function startWhoIsOnline(env: NodeJS.ProcessEnv = process.env): Promise<RunningApp> {
  /** The backend's table: who is in the channel, according to the webhooks. */
  const online = new Set<string>();
  let herald: Herald | undefined;
  let pusher: Pusher | undefined;
  let heraldPort = 0;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!pusher) throw new HttpError(503, 'starting');
    if (req.method === 'GET' && path === '/')
      return send(
        res,
        200,
        await readFile(new URL('index.html', PUBLIC), 'utf8'),
        'text/html; charset=utf-8',
      );
    if (req.method === 'GET' && path === '/online.js')
      return send(res, 200, await readFile(new URL('online.js', PUBLIC), 'utf8'), 'text/javascript');
    if (req.method === 'GET' && path === '/pusher.js')
      return send(res, 200, await readFile(PUSHER_JS, 'utf8'), 'text/javascript');
    if (req.method === 'GET' && path === '/config')
      return send(res, 200, { key: APP.key, wsHost: HOST, wsPort: heraldPort, channel: CHANNEL });
    if (req.method === 'GET' && path === '/api/online') return send(res, 200, { count: online.size });

    // Anyone may join under the id they give (a real app takes it from its session).
    if (req.method === 'POST' && path === '/pusher/auth') {
      const form = new URLSearchParams(await readBody(req));
      const user = form.get('user') ?? '';
      if (form.get('channel_name') !== CHANNEL || !USER_ID.test(user))
        throw new HttpError(403, 'not allowed');
      return send(
        res,
        200,
        pusher.authorizeChannel(form.get('socket_id') ?? '', CHANNEL, { user_id: user, user_info: {} }),
      );
    }
    if (req.method === 'POST' && path === '/webhooks') {
      const webhook = pusher.webhook({ headers: req.headers, rawBody: await readBody(req) });
      if (!webhook.isValid()) throw new HttpError(401, 'invalid webhook signature');
      // Member events carry user_id, which the SDK's Event type does not declare.
      for (const event of webhook.getEvents() as { name: string; channel: string; user_id?: string }[]) {
        if (event.channel !== CHANNEL || !event.user_id) continue;
        if (event.name === 'member_added') online.add(event.user_id);
        if (event.name === 'member_removed') online.delete(event.user_id);
      }
      return send(res, 200, {});
    }
    throw new HttpError(404, 'not found');
  }

  // The app listens first: Herald needs its address for the webhooks.
  const app = await serve(env, route, async () => herald?.close());
  const started = await startHerald(APP, env, {
    webhooks: [{ url: `${app.url}/webhooks`, events: ['member_added', 'member_removed'] }],
  });
  herald = started.herald;
  heraldPort = started.port;
  pusher = new Pusher({
    appId: APP.id,
    key: APP.key,
    secret: APP.secret,
    host: HOST,
    port: String(heraldPort),
    useTLS: false,
  });
  return app;
}

if (process.argv[1] === new URL(import.meta.url).pathname) await runMain('who-is-online', startWhoIsOnline);
