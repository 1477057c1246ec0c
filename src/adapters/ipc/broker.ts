/**
 * The broker role of a worker's IPC adapter: a broadcast is sealed, delivered locally at once and sent
 * once to the primary, which forwards it to the other workers.
 */
import type { Broker } from '../broker.js';
import type { NodeDelivery } from '../control.js';
import { type Envelope, Sealer } from '../envelope.js';
import type { IpcPort } from '../ipc-ops.js';

export class IpcBroker implements Broker {
  private readonly sealer: Sealer;

  constructor(
    nodeId: string,
    private readonly port: IpcPort,
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
    this.port.send({ herald: 'envelope', envelope: sealed });
  }
}
