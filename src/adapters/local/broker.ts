/** The broker role of the in-memory adapter: every envelope is sealed and delivered here, at once. */
import type { Broker } from '../broker.js';
import type { NodeDelivery } from '../control.js';
import { type Envelope, type Sealed, Sealer } from '../envelope.js';

export class LocalBroker implements Broker {
  private readonly sealer: Sealer;

  constructor(
    nodeId: string,
    private readonly delivery: () => NodeDelivery | null,
  ) {
    this.sealer = new Sealer(nodeId);
  }

  publishable(): boolean {
    return true;
  }

  publish(envelope: Envelope): undefined {
    this.broadcast(envelope);
    return undefined;
  }

  broadcast(envelope: Envelope): void {
    const sealed = this.sealer.seal(envelope);
    this.delivery()?.deliver(sealed);
    this.delivered(sealed);
  }

  /** After local delivery: where a broker carries the envelope to other nodes (IPC sends it on). */
  protected delivered(_sealed: Sealed): void {}
}
