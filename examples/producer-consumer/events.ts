/**
 * The event catalogue: every domain event the order service publishes, the channel it travels on, its
 * payload type and a parser for it. The producer and the consumer both import this one module, so renaming
 * an event or a field breaks the build instead of silently dropping events in production.
 */

/** Private channels: only holders of the consumer token get them signed (see service.ts). */
export const CHANNELS = { orders: 'private-orders', stock: 'private-stock' } as const;
export type ChannelName = (typeof CHANNELS)[keyof typeof CHANNELS];

export interface OrderCreated {
  orderId: string;
  sku: string;
  quantity: number;
  at: string;
}

export interface OrderShipped {
  orderId: string;
  carrier: string;
  at: string;
}

export interface StockLow {
  sku: string;
  left: number;
  threshold: number;
  at: string;
}

export interface EventPayloads {
  'order.created': OrderCreated;
  'order.shipped': OrderShipped;
  'stock.low': StockLow;
}
export type EventName = keyof EventPayloads;

/** A payload that does not match the catalogue (a producer on another version, a hand-made trigger). */
export class PayloadError extends Error {}

type Fields = Record<string, unknown>;

function fields(data: unknown, what: string): Fields {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new PayloadError(`${what} must be a JSON object`);
  return data as Fields;
}

export function text(o: Fields, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '' || v.length > 100)
    throw new PayloadError(`${what}.${key} must be a string of 1 to 100 characters`);
  return v;
}

export function count(o: Fields, key: string, what: string, min: number): number {
  const v = o[key];
  if (!Number.isSafeInteger(v) || (v as number) < min)
    throw new PayloadError(`${what}.${key} must be an integer ≥ ${min}`);
  return v as number;
}

interface Entry<E extends EventName> {
  channel: ChannelName;
  parse(data: unknown): EventPayloads[E];
}

export const CATALOGUE: { [E in EventName]: Entry<E> } = {
  'order.created': {
    channel: CHANNELS.orders,
    parse(data) {
      const o = fields(data, 'order.created');
      return {
        orderId: text(o, 'orderId', 'order.created'),
        sku: text(o, 'sku', 'order.created'),
        quantity: count(o, 'quantity', 'order.created', 1),
        at: text(o, 'at', 'order.created'),
      };
    },
  },
  'order.shipped': {
    channel: CHANNELS.orders,
    parse(data) {
      const o = fields(data, 'order.shipped');
      return {
        orderId: text(o, 'orderId', 'order.shipped'),
        carrier: text(o, 'carrier', 'order.shipped'),
        at: text(o, 'at', 'order.shipped'),
      };
    },
  },
  'stock.low': {
    channel: CHANNELS.stock,
    parse(data) {
      const o = fields(data, 'stock.low');
      return {
        sku: text(o, 'sku', 'stock.low'),
        left: count(o, 'left', 'stock.low', 0),
        threshold: count(o, 'threshold', 'stock.low', 1),
        at: text(o, 'at', 'stock.low'),
      };
    },
  },
};

/** One event ready for the pusher SDK's `triggerBatch`, typed by the catalogue. */
export interface OutgoingEvent {
  channel: ChannelName;
  name: EventName;
  data: EventPayloads[EventName];
}

export function event<E extends EventName>(name: E, data: EventPayloads[E]): OutgoingEvent {
  return { channel: CATALOGUE[name].channel, name, data };
}
