/**
 * The order service: an Express app that owns orders and stock and publishes what happens to them as
 * typed domain events through the official `pusher` SDK. A change is made first and undone when Herald
 * cannot take its events, so callers never see an order that no consumer will hear about.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import Pusher from 'pusher';
import { CHANNELS, count, event, type OutgoingEvent, PayloadError, text } from './events.js';

/** Stock under this many units publishes `stock.low` (once, when it falls under). */
export const LOW_STOCK = 5;
/** The user id the consumer signs in as: Herald keys resume on it. */
export const CONSUMER_ID = 'order-consumer';

/** An error the caller gets with its HTTP status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Order {
  id: string;
  sku: string;
  quantity: number;
  status: 'created' | 'shipped';
}

export interface ServiceOptions {
  pusher: Pusher;
  /** What the consumer sends as `Authorization: Bearer <token>` to get its channels signed. */
  consumerToken: string;
  stock: Record<string, number>;
}

export function createService({ pusher, consumerToken, stock: initial }: ServiceOptions): express.Express {
  const stock = new Map(Object.entries(initial));
  const orders = new Map<string, Order>();
  let lastId = 0;

  /** A call to Herald; not reachable (no status) or failing (5xx, e.g. 503 while its Redis is away) is a 503. */
  async function herald<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof Pusher.RequestError && (err.status === undefined || err.status >= 500)) {
        const why = err.status ? `Herald answered ${err.status}` : 'Herald not reachable';
        throw new HttpError(503, `event bus unavailable (${why}); retry later`);
      }
      throw err;
    }
  }

  /** One request for all of a change's events: Herald checks the whole batch before publishing any. */
  const publish = (events: OutgoingEvent[]) => herald(() => pusher.triggerBatch(events));

  const app = express();
  app.use(express.json({ limit: '10kb' }));

  app.post('/orders', async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const sku = text(body, 'sku', 'body');
    const quantity = count(body, 'quantity', 'body', 1);
    const before = stock.get(sku);
    if (before === undefined) throw new HttpError(400, `unknown sku "${sku}" (known: ${[...stock.keys()]})`);
    if (quantity > before) throw new HttpError(409, `only ${before} of ${sku} left`);

    const order: Order = { id: `o-${++lastId}`, sku, quantity, status: 'created' };
    const left = before - quantity;
    stock.set(sku, left);
    orders.set(order.id, order);
    const at = new Date().toISOString();
    const events = [event('order.created', { orderId: order.id, sku, quantity, at })];
    if (left < LOW_STOCK && before >= LOW_STOCK)
      events.push(event('stock.low', { sku, left, threshold: LOW_STOCK, at }));
    try {
      await publish(events);
    } catch (err) {
      stock.set(sku, (stock.get(sku) ?? 0) + quantity);
      orders.delete(order.id);
      throw err;
    }
    res.status(201).json(order);
  });

  app.post('/orders/:id/ship', async (req: Request<{ id: string }>, res: Response) => {
    const carrier = text((req.body ?? {}) as Record<string, unknown>, 'carrier', 'body');
    const order = orders.get(req.params.id);
    if (!order) throw new HttpError(404, `no order ${req.params.id}`);
    if (order.status === 'shipped') throw new HttpError(409, `order ${order.id} is already shipped`);
    order.status = 'shipped';
    try {
      await publish([event('order.shipped', { orderId: order.id, carrier, at: new Date().toISOString() })]);
    } catch (err) {
      order.status = 'created';
      throw err;
    }
    res.json(order);
  });

  app.get('/orders', (_req, res) => {
    res.json([...orders.values()]);
  });

  /**
   * Recent activity, straight from the channel's history in Herald (HTTP history API): the service keeps
   * no event log of its own.
   */
  app.get('/activity', async (req: Request, res: Response) => {
    const after = Number(req.query.after ?? 0);
    if (!Number.isSafeInteger(after) || after < 0) throw new HttpError(400, 'after must be an integer ≥ 0');
    const answer = await herald(() =>
      pusher.get({ path: `/channels/${CHANNELS.orders}/history`, params: { after: String(after) } }),
    );
    res.json(await answer.json());
  });

  // The consumer's credentials: it proves itself with its token, and gets signed by the SDK.
  const consumerOnly = (req: Request, _res: Response, next: NextFunction) => {
    if (req.get('authorization') !== `Bearer ${consumerToken}`) throw new HttpError(403, 'not the consumer');
    next();
  };
  const form = express.urlencoded({ extended: false, limit: '2kb' });

  app.post('/pusher/auth', form, consumerOnly, (req: Request, res: Response) => {
    const { socket_id: socketId, channel_name: channel } = req.body as Record<string, string>;
    if (!Object.values<string>(CHANNELS).includes(channel ?? ''))
      throw new HttpError(403, `no channel ${channel}`);
    res.json(pusher.authorizeChannel(socketId ?? '', channel ?? ''));
  });

  // Signing in gives the consumer a stable identity, which is what Herald's resume is keyed on.
  app.post('/pusher/user-auth', form, consumerOnly, (req: Request, res: Response) => {
    const { socket_id: socketId } = req.body as Record<string, string>;
    res.json(pusher.authenticateUser(socketId ?? '', { id: CONSUMER_ID }));
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpError || err instanceof PayloadError) {
      const status = err instanceof HttpError ? err.status : 400;
      if (status === 503) res.set('Retry-After', '1');
      res.status(status).json({ error: err.message });
      return;
    }
    // Express's body parser: malformed JSON, too large, wrong charset…
    const status = (err as { status?: number }).status;
    if (status !== undefined && status >= 400 && status < 500) {
      res.status(status).json({ error: (err as Error).message });
      return;
    }
    console.error(err);
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}
