/**
 * The broker role of a worker's IPC adapter: a broadcast is sealed and delivered locally at once, as in
 * memory, and sent once to the primary, which forwards it to the other workers.
 */
import type { NodeDelivery } from '../control.js';
import type { Sealed } from '../envelope.js';
import type { IpcPort } from '../ipc-ops.js';
import { LocalBroker } from '../local/broker.js';

export class IpcBroker extends LocalBroker {
  constructor(
    nodeId: string,
    private readonly port: IpcPort,
    delivery: () => NodeDelivery | null,
  ) {
    super(nodeId, delivery);
  }

  protected override delivered(sealed: Sealed): void {
    this.port.send({ herald: 'envelope', envelope: sealed });
  }
}
