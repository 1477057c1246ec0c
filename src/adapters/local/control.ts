/** The control role of the in-memory adapter: one process is the whole cluster, always ready. */
import { randomUUID } from 'node:crypto';
import type { Control, NodeDelivery } from '../control.js';

export class LocalControl implements Control {
  readonly nodeId = randomUUID();
  /** Where envelopes go: this node's hub, from `start` to `close`. */
  delivery: NodeDelivery | null = null;

  async start(delivery: NodeDelivery): Promise<void> {
    this.delivery = delivery;
  }

  async close(): Promise<void> {
    this.delivery = null;
  }

  ready(): boolean {
    return true;
  }

  degraded(): string | null {
    return null;
  }
}
