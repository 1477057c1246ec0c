/**
 * What the event log shows: server events turned into flat entries, and the filters a watcher sets.
 * Pusher's debug console kinds and more; payloads are cut so one entry stays small.
 */
import type { ServerEvent } from '../events/server-events.js';
import type { LogEntry as WireEntry } from './web/wire.js';

export const LOG_KINDS = [
  'connect',
  'disconnect',
  'refused',
  'subscribe',
  'subscribe_error',
  'unsubscribe',
  'occupied',
  'vacated',
  'member_added',
  'member_removed',
  'signin',
  'api_message',
  'client_event',
  'error',
  'cache_miss',
  'webhook',
  'slow_consumer',
] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/** An entry as the page receives it (`kind` narrowed to the kinds above). */
export interface LogEntry extends WireEntry {
  kind: LogKind;
}

/** Characters of a payload an entry keeps. */
const DATA_CHARS = 500;

function cut(s: string): string {
  return s.length <= DATA_CHARS ? s : `${s.slice(0, DATA_CHARS)}… (${s.length} chars)`;
}

/** The entry for an event, or null for events the log does not show (counters, adapter traffic). */
export function toEntry(e: ServerEvent, t: number): LogEntry | null {
  switch (e.type) {
    case 'connection_opened':
      return {
        t,
        kind: 'connect',
        app: e.appId,
        socket: e.socketId,
        // pusher-js's HTTP fallbacks are worth seeing: a client whose WebSocket is blocked somewhere.
        text: `connected from ${e.ip}${e.transport === 'ws' ? '' : ` over ${e.transport}`}`,
      };
    case 'connection_closed':
      return {
        t,
        kind: 'disconnect',
        app: e.appId,
        socket: e.socketId,
        text: `closed ${e.code}${e.reason ? ` ${e.reason}` : ''} after ${Math.round(e.durationMs / 1000)} s`,
        ...(e.code >= 4000 && e.code < 4200 ? { level: 'warn' as const } : {}),
      };
    case 'connection_refused':
      return {
        t,
        kind: 'refused',
        app: null,
        text: `refused with ${e.code} (key ${e.appKey || 'n/a'})`,
        level: 'bad',
      };
    case 'subscribed':
      return {
        t,
        kind: 'subscribe',
        app: e.appId,
        channel: e.channel,
        socket: e.socketId,
        ...(e.userId !== undefined ? { user: e.userId } : {}),
        text: e.userId !== undefined ? `subscribed as ${e.userId}` : 'subscribed',
      };
    case 'unsubscribed':
      return {
        t,
        kind: 'unsubscribe',
        app: e.appId,
        channel: e.channel,
        socket: e.socketId,
        text: 'unsubscribed',
      };
    case 'channel_occupied':
      return { t, kind: 'occupied', app: e.appId, channel: e.channel, text: 'channel occupied' };
    case 'channel_vacated':
      return { t, kind: 'vacated', app: e.appId, channel: e.channel, text: 'channel vacated' };
    case 'member_added':
      return {
        t,
        kind: 'member_added',
        app: e.appId,
        channel: e.channel,
        user: e.userId,
        text: `member ${e.userId} added`,
      };
    case 'member_removed':
      return {
        t,
        kind: 'member_removed',
        app: e.appId,
        channel: e.channel,
        user: e.userId,
        text: `member ${e.userId} removed`,
      };
    case 'signed_in':
      return {
        t,
        kind: 'signin',
        app: e.appId,
        socket: e.socketId,
        user: e.userId,
        text: `signed in as ${e.userId}`,
      };
    case 'api_message':
      return {
        t,
        kind: 'api_message',
        app: e.appId,
        channel: e.channels.join(', '),
        event: e.event,
        ...(e.socketId ? { socket: e.socketId } : {}),
        text: `${e.event} to ${e.channels.length} channel${e.channels.length === 1 ? '' : 's'}${e.socketId ? `, except ${e.socketId}` : ''}`,
        data: cut(e.data),
      };
    case 'client_event':
      return {
        t,
        kind: 'client_event',
        app: e.appId,
        channel: e.channel,
        socket: e.socketId,
        event: e.event,
        ...(e.userId !== undefined ? { user: e.userId } : {}),
        text: e.event,
        data: cut(e.data),
      };
    case 'error':
      return {
        t,
        kind: e.request === 'subscribe' ? 'subscribe_error' : 'error',
        app: e.appId,
        ...(e.channel !== undefined ? { channel: e.channel } : {}),
        ...(e.socketId !== undefined ? { socket: e.socketId } : {}),
        text: `${e.request === 'subscribe' ? 'pusher:subscription_error' : 'pusher:error'}${e.code !== null ? ` ${e.code}` : ''}: ${e.message}`,
        level: 'bad',
      };
    case 'cache_miss':
      return { t, kind: 'cache_miss', app: e.appId, channel: e.channel, text: 'pusher:cache_miss sent' };
    case 'webhook': {
      const a = e.attempt;
      if (!a) {
        if (e.outcome !== 'dead_lettered') return null;
        return { t, kind: 'webhook', app: e.appId, text: `batch of ${e.events} dead-lettered`, level: 'bad' };
      }
      return {
        t,
        kind: 'webhook',
        app: e.appId,
        text: `${a.url} attempt ${a.attempt}: ${a.status !== undefined ? `HTTP ${a.status}` : 'no answer'} in ${a.latencyMs} ms (${e.events} event${e.events === 1 ? '' : 's'})`,
        data: a.excerpt,
        level: e.outcome === 'sent' ? 'ok' : 'bad',
      };
    }
    case 'slow_consumer':
      return {
        t,
        kind: 'slow_consumer',
        app: e.appId,
        socket: e.socketId,
        text: `slow consumer cut with ${e.bufferedBytes} bytes buffered`,
        level: 'warn',
      };
    default:
      return null;
  }
}

/** A watcher's filter: every set field must match. */
export interface LogFilter {
  app?: string;
  /** Channel name prefix. */
  channel?: string;
  kinds?: ReadonlySet<LogKind>;
  socket?: string;
  user?: string;
}

export function parseFilter(params: URLSearchParams): LogFilter {
  const f: LogFilter = {};
  const app = params.get('app');
  if (app) f.app = app;
  const channel = params.get('channel');
  if (channel) f.channel = channel;
  const socket = params.get('socket');
  if (socket) f.socket = socket;
  const user = params.get('user');
  if (user) f.user = user;
  const kinds = params.get('kinds');
  if (kinds) {
    const wanted = kinds.split(',').filter((k): k is LogKind => (LOG_KINDS as readonly string[]).includes(k));
    f.kinds = new Set(wanted);
  }
  return f;
}

/**
 * True when the entry passes. `userOf` maps a socket to the user it signed in or joined presence as,
 * so filtering by user also shows that user's connects, subscribes and client events.
 */
export function matches(f: LogFilter, e: LogEntry, userOf: (socket: string) => string | undefined): boolean {
  if (f.kinds && !f.kinds.has(e.kind)) return false;
  if (f.app !== undefined && e.app !== f.app) return false;
  if (f.socket !== undefined && e.socket !== f.socket) return false;
  if (f.channel !== undefined) {
    if (e.channel === undefined) return false;
    // An API message lists its channels joined: any of them may match.
    if (!e.channel.split(', ').some((c) => c.startsWith(f.channel!))) return false;
  }
  if (f.user !== undefined) {
    const user = e.user ?? (e.socket !== undefined ? userOf(e.socket) : undefined);
    if (user !== f.user) return false;
  }
  return true;
}
