/**
 * Envelopes on the wire between nodes: one line of JSON header, a newline, then the frame text as is.
 * The frame is already JSON (encoded once by the publishing node), so it is never escaped again, and
 * JSON text contains no raw newline, so the first newline always ends the header.
 */
import type { Envelope } from '../adapter.js';

interface Header {
  /** publishing node */
  n: string;
  k: Envelope['kind'];
  a: string;
  /** channel or user id */
  t: string;
  x?: string;
  s?: 'api' | 'client' | 'internal';
  o?: 1 | 0;
  /** per-channel serial (history) */
  r?: number;
}

export function encodeEnvelope(nodeId: string, env: Envelope): string {
  const h: Header = {
    n: nodeId,
    k: env.kind,
    a: env.appId,
    t: env.kind === 'channel' ? env.channel : env.userId,
  };
  if ((env.kind === 'channel' || env.kind === 'user') && env.except) h.x = env.except;
  if (env.kind === 'channel' && env.source) h.s = env.source;
  if (env.kind === 'channel' && env.serial !== undefined) h.r = env.serial;
  if (env.kind === 'watchlist') h.o = env.online ? 1 : 0;
  const frame = env.kind === 'channel' || env.kind === 'user' ? env.frame : '';
  return `${JSON.stringify(h)}\n${frame}`;
}

/** Decodes a message; null when it is not one of ours (another program on the same Redis). */
export function decodeEnvelope(text: string): { nodeId: string; envelope: Envelope } | null {
  const nl = text.indexOf('\n');
  if (nl < 0) return null;
  let h: Header;
  try {
    h = JSON.parse(text.slice(0, nl)) as Header;
  } catch {
    return null;
  }
  const frame = text.slice(nl + 1);
  switch (h.k) {
    case 'channel':
      return {
        nodeId: h.n,
        envelope: {
          kind: 'channel',
          appId: h.a,
          channel: h.t,
          frame,
          ...(h.x ? { except: h.x } : {}),
          ...(h.s ? { source: h.s } : {}),
          ...(h.r !== undefined ? { serial: h.r } : {}),
        },
      };
    case 'user':
      return {
        nodeId: h.n,
        envelope: { kind: 'user', appId: h.a, userId: h.t, frame, ...(h.x ? { except: h.x } : {}) },
      };
    case 'terminate':
      return { nodeId: h.n, envelope: { kind: 'terminate', appId: h.a, userId: h.t } };
    case 'watchlist':
      return { nodeId: h.n, envelope: { kind: 'watchlist', appId: h.a, userId: h.t, online: h.o === 1 } };
    default:
      return null;
  }
}
