/**
 * The broker role of the adapter seam: carries sealed envelopes (src/adapters/envelope.ts) to every
 * node, this one included, and says whether it can. Which topics a node listens to follows the
 * membership role (a node hears a channel while it has local subscribers there).
 */
import type { Envelope } from './envelope.js';

export interface Broker {
  /** Seals and delivers to every node, this one included. Local delivery happens synchronously. */
  broadcast(envelope: Envelope): void;
  /**
   * `broadcast`, with the shared transport's acknowledgement: resolves once every node can get the
   * envelope, rejects when it cannot (a trigger then answers 503, not 200). Undefined when delivery was
   * complete at once (one process is the whole cluster).
   */
  publish(envelope: Envelope): Promise<void> | undefined;
  /** False while envelopes cannot reach the other nodes (shared state out of reach). */
  publishable(): boolean;
}
