/**
 * Sealed envelopes on the wire between nodes: one line of JSON header, a newline, then a body: the
 * frame text as is for channel and user envelopes (already JSON, encoded once by the publishing node,
 * so never escaped again), the user_info JSON of an added member, else nothing. JSON text contains no
 * raw newline, so the first newline always ends the header.
 */
import type { Envelope, Sealed } from '../envelope.js';

interface Header {
  /** origin node and its sequence number */
  o: string;
  q: number;
  k: Envelope['kind'];
  a: string;
  /** channel or user id */
  t: string;
  x?: string;
  s?: 'api' | 'client' | 'internal';
  /** per-channel serial */
  r?: number;
  /** member: user id, added (1) or removed (0), membership version */
  u?: string;
  m?: 1 | 0;
  v?: number;
  /** member: a repair */
  p?: 1;
  /** watchlist: online */
  w?: 1 | 0;
}

export function encodeEnvelope(env: Sealed): string {
  const h: Header = {
    o: env.origin,
    q: env.seq,
    k: env.kind,
    a: env.appId,
    t: env.kind === 'channel' || env.kind === 'member' ? env.channel : env.userId,
  };
  let body = '';
  switch (env.kind) {
    case 'channel':
      if (env.source) h.s = env.source;
      if (env.serial !== undefined) h.r = env.serial;
      body = env.frame;
      break;
    case 'member':
      h.u = env.userId;
      h.m = env.change === 'added' ? 1 : 0;
      h.v = env.version;
      if (env.repair) h.p = 1;
      if (env.serial !== undefined) h.r = env.serial;
      if (env.userInfo !== undefined) body = JSON.stringify(env.userInfo);
      break;
    case 'user':
      body = env.frame;
      break;
    case 'watchlist':
      h.w = env.online ? 1 : 0;
      break;
    case 'terminate':
      break;
  }
  if ((env.kind === 'channel' || env.kind === 'member' || env.kind === 'user') && env.except)
    h.x = env.except;
  return `${JSON.stringify(h)}\n${body}`;
}

/** Decodes a message; null when it is not one of ours (another program on the same Redis). */
export function decodeEnvelope(text: string): Sealed | null {
  const nl = text.indexOf('\n');
  if (nl < 0) return null;
  let h: Header;
  try {
    h = JSON.parse(text.slice(0, nl)) as Header;
  } catch {
    return null;
  }
  if (typeof h.o !== 'string' || typeof h.q !== 'number') return null;
  const body = text.slice(nl + 1);
  const seal = { origin: h.o, seq: h.q };
  const except = h.x ? { except: h.x } : {};
  const serial = h.r !== undefined ? { serial: h.r } : {};
  switch (h.k) {
    case 'channel':
      return {
        kind: 'channel',
        appId: h.a,
        channel: h.t,
        frame: body,
        ...except,
        ...(h.s ? { source: h.s } : {}),
        ...serial,
        ...seal,
      };
    case 'member': {
      if (typeof h.u !== 'string' || typeof h.v !== 'number') return null;
      let info: unknown;
      try {
        info = body === '' ? undefined : JSON.parse(body);
      } catch {
        return null;
      }
      return {
        kind: 'member',
        appId: h.a,
        channel: h.t,
        change: h.m === 1 ? 'added' : 'removed',
        userId: h.u,
        ...(info !== undefined ? { userInfo: info } : {}),
        version: h.v,
        ...(h.p === 1 ? { repair: true as const } : {}),
        ...except,
        ...serial,
        ...seal,
      };
    }
    case 'user':
      return { kind: 'user', appId: h.a, userId: h.t, frame: body, ...except, ...seal };
    case 'terminate':
      return { kind: 'terminate', appId: h.a, userId: h.t, ...seal };
    case 'watchlist':
      return { kind: 'watchlist', appId: h.a, userId: h.t, online: h.w === 1, ...seal };
    default:
      return null;
  }
}
