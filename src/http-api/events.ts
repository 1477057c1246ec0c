/** POST /events and /batch_events (API-06..API-10). */
import type { IncomingHttpHeaders } from 'node:http';
import type { AppConfig } from '../config/config.js';
import { once } from '../history/idempotency.js';
import type { NodeContext } from '../node-context.js';
import { channelKind, channelNameProblem, serverToUserId } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { encodeChannelEvent } from '../protocol/messages.js';
import { isValidSocketId } from '../protocol/socket-id.js';
import { sendToUser } from '../users/server-to-user.js';
import { EMPTY_JSON_OBJECT } from './http-error.js';
import { channelAttributes, parseInfo } from './info.js';

interface EventRequest {
  name: string;
  data: string;
  channels: string[];
  socketId: string | undefined;
  info: Set<string>;
}

function validateEvent(app: AppConfig, raw: Record<string, unknown>, batch: boolean): EventRequest {
  const limits = app.limits;
  const name = raw['name'];
  if (typeof name !== 'string' || name.length === 0)
    throw new HeraldError('badRequest', 'Missing event name');
  if (name.length > limits.maxEventNameLength) {
    throw new HeraldError('badRequest', `Event name longer than ${limits.maxEventNameLength} characters`);
  }
  if (name.startsWith('pusher:') || name.startsWith('pusher_internal:')) {
    throw new HeraldError('badRequest', `Event names starting with pusher: are reserved: ${name}`);
  }
  const data = raw['data'];
  if (data === undefined) throw new HeraldError('badRequest', 'Missing data');
  if (typeof data !== 'string')
    throw new HeraldError('badRequest', 'data must be a string (JSON-encode objects)');

  let channels: string[];
  if (batch) {
    const channel = raw['channel'];
    if (typeof channel !== 'string') throw new HeraldError('badRequest', 'Each batch item needs a channel');
    channels = [channel];
  } else if (raw['channels'] !== undefined) {
    const list = raw['channels'];
    if (!Array.isArray(list) || !list.every((c) => typeof c === 'string')) {
      throw new HeraldError('badRequest', 'channels must be an array of channel names');
    }
    channels = [...new Set(list as string[])];
  } else if (typeof raw['channel'] === 'string') {
    channels = [raw['channel']];
  } else {
    throw new HeraldError('badRequest', 'Missing channels');
  }
  if (channels.length === 0) throw new HeraldError('badRequest', 'channels must not be empty');
  if (channels.length > limits.maxChannelsPerEvent) {
    throw new HeraldError(
      'badRequest',
      `Can't trigger a message to more than ${limits.maxChannelsPerEvent} channels`,
    );
  }
  for (const c of channels) {
    const problem = channelNameProblem(c, limits.maxChannelNameLength);
    if (problem) throw new HeraldError('badRequest', problem);
  }
  if (channels.length > 1 && channels.some((c) => channelKind(c).type === 'encrypted')) {
    throw new HeraldError(
      'badRequest',
      'Encrypted channels cannot be triggered together with other channels',
    );
  }
  const socketId = raw['socket_id'];
  if (socketId !== undefined && socketId !== null && !isValidSocketId(socketId)) {
    // Never String() a value from outside: an array's toString recurses and can be huge.
    const shown =
      typeof socketId === 'string'
        ? socketId.slice(0, 64)
        : `expected a string, got ${Array.isArray(socketId) ? 'an array' : typeof socketId}`;
    throw new HeraldError('badRequest', `Invalid socket_id: ${shown}`);
  }
  const size = Buffer.byteLength(data);
  if (size > limits.maxEventPayloadBytes) {
    throw new HeraldError(
      'payloadTooLarge',
      `Event data is ${size} bytes, over the limit of ${limits.maxEventPayloadBytes}`,
    );
  }
  const info = parseInfo(raw['info']);
  return { name, data, channels, socketId: (socketId as string | null | undefined) ?? undefined, info };
}

/**
 * Publishes every channel of one event. Synchronous unless a cache channel must store its value first,
 * a history channel must number its event first (the remaining channels follow it, in order), or the
 * adapter acknowledges publishes (several nodes): the common single-node trigger then answers without a
 * promise hop per channel. With several nodes the trigger answers only once the shared transport took
 * every event, so a 200 is never a silent loss (a refusal is a 503).
 */
function publish(
  ctx: NodeContext,
  app: AppConfig,
  ev: EventRequest,
  from = 0,
  acks: Promise<void>[] = [],
): Promise<void> | undefined {
  if (from === 0 && ctx.events.wants('api_message')) {
    ctx.events.emit({
      type: 'api_message',
      appId: app.id,
      channels: ev.channels,
      event: ev.name,
      data: ev.data,
      ...(ev.socketId ? { socketId: ev.socketId } : {}),
    });
  }
  for (let i = from; i < ev.channels.length; i++) {
    const channel = ev.channels[i] as string;
    const frame = encodeChannelEvent(ev.name, channel, ev.data);
    const userId = serverToUserId(channel);
    if (userId !== null) {
      sendToUser(ctx, app.id, userId, frame, ev.socketId);
      continue;
    }
    if (channelKind(channel).cache) {
      // The value is stored before the event leaves, then the remaining channels follow.
      return ctx.adapter.setCache(app.id, channel, ev.name, ev.data, ctx.config.cacheTtl).then(() => {
        const sent = broadcast(ctx, app, ev, channel, frame);
        return next(ctx, app, ev, i, sent, acks) ?? settle(acks);
      });
    }
    const sent = broadcast(ctx, app, ev, channel, frame);
    if (sent && ctx.history.rules.match(app, channel)) return next(ctx, app, ev, i, sent, acks);
    if (sent) acks.push(sent);
  }
  return settle(acks);
}

/** After channel `i` was sent: a history channel's event is numbered before the next channels go. */
function next(
  ctx: NodeContext,
  app: AppConfig,
  ev: EventRequest,
  i: number,
  sent: Promise<void> | undefined,
  acks: Promise<void>[],
): Promise<void> | undefined {
  if (!sent) return publish(ctx, app, ev, i + 1, acks);
  if (!ctx.history.rules.match(app, ev.channels[i] as string)) {
    acks.push(sent);
    return publish(ctx, app, ev, i + 1, acks);
  }
  return sent.then(() => publish(ctx, app, ev, i + 1, acks) ?? settle(acks), unavailable);
}

function unavailable(): never {
  throw new HeraldError(
    'clusterUnavailable',
    'Redis did not take the event, so other nodes may not get it (this node’s subscribers may have): retry later',
  );
}

function settle(acks: Promise<void>[]): Promise<void> | undefined {
  if (acks.length === 0) return undefined;
  return Promise.all(acks).then(() => undefined, unavailable);
}

/** Through history (a history channel stores and numbers it), acknowledged by the shared transport. */
function broadcast(
  ctx: NodeContext,
  app: AppConfig,
  ev: EventRequest,
  channel: string,
  frame: string,
): Promise<void> | undefined {
  return ctx.history.publish(
    app,
    {
      kind: 'channel',
      appId: app.id,
      channel,
      frame,
      source: 'api',
      ...(ev.socketId ? { except: ev.socketId } : {}),
    },
    true,
  );
}

async function attributes(
  ctx: NodeContext,
  app: AppConfig,
  ev: EventRequest,
): Promise<Record<string, unknown>> {
  // Null prototype: keys are channel names, and __proto__ is a legal one.
  const out: Record<string, unknown> = Object.create(null);
  for (const channel of ev.channels) {
    out[channel] = await channelAttributes(ctx, app.id, channel, ev.info, { strict: false });
  }
  return out;
}

/** The result, or a promise of it when a cache channel or `info` needs the adapter. */
export function triggerEvent(
  ctx: NodeContext,
  app: AppConfig,
  body: Record<string, unknown>,
): unknown | Promise<unknown> {
  const ev = validateEvent(app, body, false);
  const published = publish(ctx, app, ev);
  if (published === undefined && ev.info.size === 0) return EMPTY_JSON_OBJECT;
  return (published ?? Promise.resolve()).then(async () =>
    ev.info.size === 0 ? EMPTY_JSON_OBJECT : { channels: await attributes(ctx, app, ev) },
  );
}

export async function triggerBatch(
  ctx: NodeContext,
  app: AppConfig,
  body: Record<string, unknown>,
): Promise<unknown> {
  const batch = body['batch'];
  if (!Array.isArray(batch)) throw new HeraldError('badRequest', 'batch must be an array of events');
  if (batch.length === 0) throw new HeraldError('badRequest', 'batch must not be empty');
  if (batch.length > app.limits.maxBatchSize) {
    throw new HeraldError(
      'badRequest',
      `Batch of ${batch.length} events is over the limit of ${app.limits.maxBatchSize}`,
    );
  }
  // Validate everything before publishing anything: a bad item fails the whole batch.
  const events = batch.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new HeraldError('badRequest', `batch[${i}] must be an object`);
    }
    try {
      return validateEvent(app, item as Record<string, unknown>, true);
    } catch (err) {
      if (err instanceof HeraldError) throw new HeraldError(err.kind, `batch[${i}]: ${err.message}`);
      throw err;
    }
  });
  for (const ev of events) await publish(ctx, app, ev);
  if (events.every((ev) => ev.info.size === 0)) return EMPTY_JSON_OBJECT;
  const results = [];
  for (const ev of events) {
    results.push(
      ev.info.size === 0
        ? {}
        : await channelAttributes(ctx, app.id, ev.channels[0]!, ev.info, { strict: false }),
    );
  }
  return { batch: results };
}

/**
 * Runs a trigger at most once per idempotency key (`X-Idempotency-Key` header or `idempotency_key`
 * body field) within the window; without a key, just runs it (synchronously when it can).
 */
export function idempotent(
  ctx: NodeContext,
  app: AppConfig,
  headers: IncomingHttpHeaders,
  body: Record<string, unknown>,
  run: () => unknown | Promise<unknown>,
): unknown | Promise<unknown> {
  const header = headers['x-idempotency-key'];
  const field = body['idempotency_key'];
  if (field !== undefined && typeof field !== 'string') {
    throw new HeraldError('badRequest', 'idempotency_key must be a string');
  }
  const key = typeof header === 'string' ? header : field;
  if (key === undefined) return run();
  return once(ctx.idempotency, app.id, key, ctx.config.idempotencyWindow, run);
}
