/**
 * Client → server frames parsed once into a discriminated union (WS-16, WS-18), and the encoders for
 * server → client frames (WS-17). Handlers only ever see valid shapes.
 */
import { HeraldError } from './errors.js';
import { DEFAULT_MAX_JSON_DEPTH, parseJson } from './json-depth.js';

export type ClientMessage =
  | { readonly type: 'ping' }
  | { readonly type: 'pong' }
  | {
      readonly type: 'subscribe';
      readonly channel: string;
      readonly auth: string | undefined;
      readonly channelData: string | undefined;
    }
  | { readonly type: 'unsubscribe'; readonly channel: string }
  | { readonly type: 'signin'; readonly auth: string; readonly userData: string }
  | {
      readonly type: 'client-event';
      readonly event: string;
      readonly channel: string;
      /** As it came in: turned into text by `clientEventText` only once the event is allowed. */
      readonly data: unknown;
    };

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `data` of pusher:* control messages may arrive as an object (pusher-js, Java) or a JSON string. */
function controlData(data: unknown, event: string, maxDepth: number): Json {
  if (isObject(data)) return data;
  if (typeof data === 'string') {
    const parsed = parseJson(data, maxDepth);
    if (parsed.ok && isObject(parsed.value)) return parsed.value;
    if (!parsed.ok && parsed.reason === 'depth') throw tooDeep(maxDepth);
  }
  throw new HeraldError('invalidMessage', `Invalid data for ${event}: expected an object`);
}

function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HeraldError('invalidMessage', `Field ${field} must be a string`);
  return v;
}

function tooDeep(maxDepth: number): HeraldError {
  return new HeraldError('jsonTooDeep', `JSON nested too deeply: the limit is ${maxDepth} levels`);
}

/**
 * Parses one text frame. Throws a non-closing HeraldError for anything malformed; the caller answers
 * with `pusher:error` and keeps the connection open. Nesting past `maxDepth` is refused before parsing.
 */
export function parseClientMessage(text: string, maxDepth = DEFAULT_MAX_JSON_DEPTH): ClientMessage {
  const parsed = parseJson(text, maxDepth);
  if (!parsed.ok) {
    if (parsed.reason === 'depth') throw tooDeep(maxDepth);
    throw new HeraldError('invalidJson', 'Invalid JSON: the message could not be parsed');
  }
  const raw = parsed.value;
  if (!isObject(raw)) throw new HeraldError('invalidMessage', 'Invalid message: expected a JSON object');
  const event = raw['event'];
  if (typeof event !== 'string' || event.length === 0) {
    throw new HeraldError('invalidMessage', 'Invalid message: missing event name');
  }

  switch (event) {
    case 'pusher:ping':
      return { type: 'ping' };
    case 'pusher:pong':
      return { type: 'pong' };
    case 'pusher:subscribe': {
      const d = controlData(raw['data'], event, maxDepth);
      const channel = d['channel'];
      if (typeof channel !== 'string' || channel.length === 0) {
        throw new HeraldError('invalidChannel', 'Invalid subscribe: missing channel');
      }
      return {
        type: 'subscribe',
        channel,
        auth: optionalString(d['auth'], 'auth'),
        channelData: optionalString(d['channel_data'], 'channel_data'),
      };
    }
    case 'pusher:unsubscribe': {
      const d = controlData(raw['data'], event, maxDepth);
      const channel = d['channel'];
      if (typeof channel !== 'string' || channel.length === 0) {
        throw new HeraldError('invalidChannel', 'Invalid unsubscribe: missing channel');
      }
      return { type: 'unsubscribe', channel };
    }
    case 'pusher:signin': {
      const d = controlData(raw['data'], event, maxDepth);
      const auth = d['auth'];
      const userData = d['user_data'];
      if (typeof auth !== 'string' || typeof userData !== 'string') {
        throw new HeraldError('signinFailed', 'Invalid sign-in: auth and user_data must be strings');
      }
      return { type: 'signin', auth, userData };
    }
  }

  if (event.startsWith('client-')) {
    const channel = raw['channel'];
    if (typeof channel !== 'string' || channel.length === 0) {
      throw new HeraldError('invalidMessage', 'Invalid client event: missing channel');
    }
    return { type: 'client-event', event, channel, data: raw['data'] };
  }
  if (event.startsWith('pusher:') || event.startsWith('pusher_internal:')) {
    throw new HeraldError('invalidMessage', `Unsupported event: ${event}`);
  }
  throw new HeraldError('invalidEventName', `Event ${event} is neither a pusher: event nor a client- event`);
}

/**
 * The `data` of a client event as forwarded. Swift reads `data` only as a string: objects go out as
 * their JSON text. Safe on any parsed frame: its depth was bounded before parsing.
 */
export function clientEventText(data: unknown): string {
  return typeof data === 'string' ? data : data === undefined ? '{}' : JSON.stringify(data);
}

// ---- server → client encoders. Each returns the JSON text of one frame. ----

/** A channel event (CH-19). `data` is the string exactly as published. */
export function encodeChannelEvent(event: string, channel: string, data: string, userId?: string): string {
  const head = `{"event":${JSON.stringify(event)},"channel":${JSON.stringify(channel)},"data":${JSON.stringify(data)}`;
  return userId === undefined ? `${head}}` : `${head},"user_id":${JSON.stringify(userId)}}`;
}

/** A connection-level event whose data is a JSON-encoded string (double encoding, WS-17). */
export function encodeConnectionEvent(event: string, data: unknown): string {
  return `{"event":${JSON.stringify(event)},"data":${JSON.stringify(JSON.stringify(data))}}`;
}

export function encodeConnectionEstablished(socketId: string, activityTimeout: number): string {
  return encodeConnectionEvent('pusher:connection_established', {
    socket_id: socketId,
    activity_timeout: activityTimeout,
  });
}

/** `pusher:error` always carries an object: Swift only parses an object, Java casts code to a number. */
export function encodeError(code: number | null, message: string, channel?: string): string {
  const data = JSON.stringify({ code, message });
  return channel === undefined
    ? `{"event":"pusher:error","data":${data}}`
    : `{"event":"pusher:error","channel":${JSON.stringify(channel)},"data":${data}}`;
}

export const PONG_FRAME = '{"event":"pusher:pong","data":{}}';
export const PING_FRAME = '{"event":"pusher:ping","data":{}}';

export function encodeSubscriptionSucceeded(channel: string, data: string = '{}'): string {
  return encodeChannelEvent('pusher_internal:subscription_succeeded', channel, data);
}

export interface PresenceSnapshot {
  readonly ids: string[];
  readonly hash: Record<string, unknown>;
  readonly count: number;
}

export function encodePresenceSucceeded(channel: string, presence: PresenceSnapshot): string {
  return encodeSubscriptionSucceeded(channel, JSON.stringify({ presence }));
}

export function encodeMemberAdded(channel: string, userId: string, userInfo: unknown): string {
  const info = userInfo === undefined ? {} : { user_info: userInfo };
  return encodeChannelEvent(
    'pusher_internal:member_added',
    channel,
    JSON.stringify({ user_id: userId, ...info }),
  );
}

export function encodeMemberRemoved(channel: string, userId: string): string {
  return encodeChannelEvent('pusher_internal:member_removed', channel, JSON.stringify({ user_id: userId }));
}

export function encodeCacheMiss(channel: string): string {
  return encodeChannelEvent('pusher:cache_miss', channel, '{}');
}

export function encodeSubscriptionCount(channel: string, count: number): string {
  return encodeChannelEvent(
    'pusher_internal:subscription_count',
    channel,
    JSON.stringify({ subscription_count: count }),
  );
}

export function encodeSigninSuccess(userData: string): string {
  return `{"event":"pusher:signin_success","data":${JSON.stringify({ user_data: userData })}}`;
}

export interface WatchlistEvent {
  readonly name: 'online' | 'offline';
  readonly user_ids: string[];
}

export function encodeWatchlistEvents(events: WatchlistEvent[]): string {
  return encodeConnectionEvent('pusher_internal:watchlist_events', { events });
}
