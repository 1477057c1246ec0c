/**
 * Seeded generators of hostile input: WebSocket frames and HTTP API requests. The same seed gives the
 * same inputs, so a failure names a seed and an index that replay it. Inputs are mutations of valid
 * Pusher traffic (some correctly signed, so they get past authorization into validation), broken JSON,
 * deep nesting, odd types, huge and odd strings, and invalid UTF-8.
 */
import {
  channelStringToSign,
  md5Hex,
  signApiRequest,
  signAuth,
  userStringToSign,
} from '../../src/protocol/signatures.js';

/** mulberry32: small, fast, good enough to spread inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzApp {
  id: string;
  key: string;
  secret: string;
}

export class Gen {
  readonly random: () => number;

  constructor(seed: number) {
    this.random = rng(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  string(): string {
    // Huge strings are rarer than the rest: they cost the generator and the wire more than the server.
    switch (this.int(10)) {
      case 0:
        return '';
      case 1:
        return 'x'.repeat(this.chance(0.1) ? this.pick([40_000, 200_000]) : this.pick([100, 1000]));
      case 2:
        return this.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
      case 3:
        return this.pick([
          '\u0000',
          '\uFFFF',
          '\uD800',
          '😀'.repeat(50),
          'é',
          '\u202E',
          '\\',
          '"',
          '%',
          '%zz',
        ]);
      case 4:
        return this.pick(['pusher:ping', 'pusher:subscribe', 'pusher_internal:member_added', 'client-x']);
      case 5:
        return this.pick(['private-a', 'presence-a', 'private-encrypted-a', 'cache-a', '#server-to-user-u1']);
      default: {
        const len = this.int(24);
        let s = '';
        for (let i = 0; i < len; i++) s += String.fromCharCode(32 + this.int(95));
        return s;
      }
    }
  }

  /** JSON text of an arbitrary value; sometimes nested past any sane limit. */
  valueText(depth = 0): string {
    const r = this.int(12);
    if (depth > 4 || r < 4) {
      return this.pick([
        'null',
        'true',
        '0',
        '-1e309',
        '1.5',
        '123456789012345678901234567890',
        JSON.stringify(this.string()),
      ]);
    }
    if (r === 4) {
      const n = this.pick([10, 63, 64, 65, 200, 5000, 20_000]);
      return `${'['.repeat(n)}${']'.repeat(n)}`;
    }
    if (r < 8) {
      const n = this.int(4);
      return `[${Array.from({ length: n }, () => this.valueText(depth + 1)).join(',')}]`;
    }
    const n = this.int(4);
    return `{${Array.from({ length: n }, () => `${JSON.stringify(this.string())}:${this.valueText(depth + 1)}`).join(',')}}`;
  }

  /** Damages JSON text: truncation, a stray byte, a swapped bracket. */
  corrupt(text: string): string {
    if (text.length === 0) return '{';
    const i = this.int(text.length);
    switch (this.int(4)) {
      case 0:
        return text.slice(0, i);
      case 1:
        return `${text.slice(0, i)}${this.pick(['"', '{', ']', '\\', ',', '\u0000'])}${text.slice(i)}`;
      case 2:
        return text.replace(/[{}]/, (c) => (c === '{' ? '[' : ']'));
      default:
        return `${text}${text}`;
    }
  }
}

export type WsInput = { text: string } | { binary: Buffer };

/** One WebSocket frame. `socketId` lets some frames be correctly signed for that connection. */
export function wsFrame(g: Gen, app: FuzzApp, socketId: string): WsInput {
  const channel = g.chance(0.5)
    ? g.pick(['private-fz', 'presence-fz', 'private-encrypted-fz', 'fz', 'cache-fz', '#server-to-user-u1'])
    : g.string();
  let text: string;
  switch (g.int(9)) {
    case 0: {
      const bytes = Buffer.alloc(1 + g.int(64));
      for (let i = 0; i < bytes.length; i++) bytes[i] = g.int(256);
      return { binary: bytes };
    }
    case 1:
      text = `{"event":"pusher:ping","data":${g.valueText()}}`;
      break;
    case 2: {
      const channelData = g.chance(0.5)
        ? `{"user_id":${g.chance(0.7) ? JSON.stringify(`u${g.int(5)}`) : g.valueText()},"user_info":${g.valueText()}}`
        : g.string();
      const auth = g.chance(0.7)
        ? signAuth(
            app.key,
            app.secret,
            channelStringToSign(socketId, channel, g.chance(0.8) ? channelData : undefined),
          )
        : g.string();
      const data = { channel, auth, ...(g.chance(0.6) ? { channel_data: channelData } : {}) };
      text = g.chance(0.8)
        ? JSON.stringify({ event: 'pusher:subscribe', data })
        : JSON.stringify({ event: 'pusher:subscribe', data: JSON.stringify(data) });
      break;
    }
    case 3:
      text = JSON.stringify({ event: 'pusher:unsubscribe', data: { channel } });
      break;
    case 4: {
      const userData = g.chance(0.6)
        ? `{"id":${JSON.stringify(g.chance(0.7) ? `u${g.int(5)}` : g.string())},"user_info":${g.valueText()},"watchlist":${g.valueText()}}`
        : g.valueText();
      const auth = g.chance(0.7)
        ? signAuth(app.key, app.secret, userStringToSign(socketId, userData))
        : g.string();
      text = JSON.stringify({ event: 'pusher:signin', data: { auth, user_data: userData } });
      break;
    }
    case 5:
      text = `{"event":${JSON.stringify(`client-${g.string()}`)},"channel":${JSON.stringify(channel)},"data":${g.valueText()}}`;
      break;
    case 6:
      text = `{"event":${JSON.stringify(g.string())},"channel":${g.valueText()},"data":${g.valueText()}}`;
      break;
    case 7:
      text = g.valueText();
      break;
    default:
      text = g.corrupt(JSON.stringify({ event: 'pusher:subscribe', data: { channel } }));
  }
  return { text: g.chance(0.1) ? g.corrupt(text) : text };
}

export interface HttpInput {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const ROUTES = [
  '/apps/{id}/events',
  '/apps/{id}/batch_events',
  '/apps/{id}/channels',
  '/apps/{id}/channels/fz',
  '/apps/{id}/channels/presence-fz',
  '/apps/{id}/channels/presence-fz/users',
  '/apps/{id}/users/u1/terminate_connections',
  '/users/u1/terminate_connections',
  '/apps/nope/events',
  '/apps/%zz/events',
  '/apps/{id}/channels/%E0%A4%A',
  '/app/{key}',
  '/',
  '/health',
  '/ready',
  '/apps/{id}/../{id}/events',
];

function eventBody(g: Gen): string {
  const field = () => (g.chance(0.7) ? JSON.stringify(g.string()) : g.valueText());
  const one = () =>
    `{"name":${g.chance(0.7) ? '"e"' : field()},"data":${g.chance(0.7) ? JSON.stringify(g.valueText()) : field()},` +
    `"channels":${g.chance(0.6) ? '["fz","presence-fz"]' : g.valueText()},"channel":${field()},` +
    `"socket_id":${g.chance(0.5) ? '"1.2"' : g.valueText()},"info":${g.chance(0.5) ? '"user_count,subscription_count"' : field()}}`;
  switch (g.int(5)) {
    case 0:
      return `{"batch":[${Array.from({ length: g.int(12) }, one).join(',')}]}`;
    case 1:
      return g.corrupt(one());
    case 2:
      return g.valueText();
    default:
      return one();
  }
}

export function httpRequest(g: Gen, app: FuzzApp, nowSeconds: number): HttpInput {
  const path = g.pick(ROUTES).replaceAll('{id}', app.id).replaceAll('{key}', app.key);
  const method = g.chance(0.85)
    ? g.pick(['POST', 'GET'])
    : g.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
  const body =
    method === 'GET' || method === 'HEAD' ? (g.chance(0.1) ? eventBody(g) : undefined) : eventBody(g);
  const params = new URLSearchParams();
  if (g.chance(0.9)) params.set('auth_key', g.chance(0.9) ? app.key : g.string());
  if (g.chance(0.9)) params.set('auth_timestamp', g.chance(0.9) ? String(nowSeconds) : g.string());
  if (g.chance(0.9)) params.set('auth_version', g.chance(0.9) ? '1.0' : g.string());
  if (body !== undefined && g.chance(0.9)) params.set('body_md5', g.chance(0.9) ? md5Hex(body) : g.string());
  if (g.chance(0.3)) params.set(g.pick(['info', 'filter_by_prefix', 'AUTH_KEY', 'x']), g.string());
  const signedPath = path.split('?')[0]!;
  if (g.chance(0.8)) params.set('auth_signature', signApiRequest(app.secret, method, signedPath, params));
  else if (g.chance(0.5)) params.set('auth_signature', g.string());
  const headers: Record<string, string> = {};
  if (g.chance(0.5)) headers['content-type'] = g.pick(['application/json', 'text/plain', 'x/y; charset=zz']);
  return { method, path: `${path}?${params}`, headers, body };
}
