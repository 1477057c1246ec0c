/**
 * Client events (CE-01..CE-10): validated, rate-limited, never echoed, never cached. Permission (the
 * app allows them, the channel kind, the subscription) is checked before anything touches the payload.
 */
import type { Connection } from '../connections/connection.js';
import type { NodeContext } from '../node-context.js';
import { channelKind } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { clientEventText, encodeChannelEvent } from '../protocol/messages.js';

export function clientEvent(
  ctx: NodeContext,
  conn: Connection,
  event: string,
  channel: string,
  payload: unknown,
): void {
  const app = conn.app;
  if (!app.clientEvents) throw new HeraldError('clientEventsDisabled', undefined, channel);
  const type = channelKind(channel).type;
  if (type === 'encrypted') {
    throw new HeraldError(
      'clientEventChannel',
      `Client events are not supported on encrypted channel ${channel}`,
      channel,
    );
  }
  if (type !== 'private' && type !== 'presence') {
    throw new HeraldError(
      'clientEventChannel',
      `Client events are only supported on private and presence channels, not ${channel}`,
      channel,
    );
  }
  const sub = ctx.registry.subscription(conn, channel);
  if (!sub || !conn.authorized) {
    throw new HeraldError(
      'clientEventNotSubscribed',
      `Cannot broadcast client event (connection not subscribed to channel ${channel})`,
      channel,
    );
  }
  if (event.length > app.limits.maxEventNameLength) {
    throw new HeraldError(
      'invalidEventName',
      `Event name longer than ${app.limits.maxEventNameLength} characters`,
      channel,
    );
  }
  const data = clientEventText(payload);
  const size = Buffer.byteLength(data);
  if (size > app.limits.maxEventPayloadBytes) {
    throw new HeraldError(
      'clientEventTooLarge',
      `Client event data is ${size} bytes, over the limit of ${app.limits.maxEventPayloadBytes}`,
      channel,
    );
  }
  // Fixed one-second windows: cheap, and enough to hold a client to N events per second.
  const now = ctx.now();
  if (now - conn.rateWindowStart >= 1000) {
    conn.rateWindowStart = now;
    conn.rateCount = 0;
  }
  if (++conn.rateCount > app.limits.maxClientEventsPerSecond) {
    throw new HeraldError('clientEventRateLimit', undefined, channel);
  }

  const userId = type === 'presence' ? sub.userId : undefined;
  // Through history, like API events: a history channel numbers and keeps client events too.
  ctx.history
    .publish(app, {
      kind: 'channel',
      appId: app.id,
      channel,
      frame: encodeChannelEvent(event, channel, data, userId),
      except: conn.socketId,
      source: 'client',
    })
    ?.catch((err: unknown) => ctx.logger.error({ err, channel }, 'client event publish failed'));
  if (ctx.events.wants('client_event')) {
    ctx.events.emit({
      type: 'client_event',
      appId: app.id,
      channel,
      event,
      data,
      socketId: conn.socketId,
      ip: conn.ip,
      ...(userId === undefined ? {} : { userId }),
    });
  }
}
