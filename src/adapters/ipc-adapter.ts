/**
 * The adapter of a worker process under `herald start --workers N` without Redis: the primary process
 * holds the shared state (an in-memory membership) and relays envelopes between workers (ipc-relay.ts).
 * Its roles live in ipc/: membership.ts (request/reply, generated from the table in ipc-ops.ts),
 * broker.ts (deliver here, send once to the primary), control.ts (the primary's cleanup news).
 */

import { ChannelRegistry } from '../channels/registry.js';
import type { Logger } from '../logging/logger.js';
import { ComposedAdapter } from './composed-adapter.js';
import { IpcBroker } from './ipc/broker.js';
import { IpcControl } from './ipc/control.js';
import { IpcMembership } from './ipc/membership.js';
import { type IpcPort, isIpcMessage } from './ipc-ops.js';

export { IPC_ENV, type IpcMessage, type IpcPort, isIpcWorker, processPort } from './ipc-ops.js';

export class IpcAdapter extends ComposedAdapter {
  /** `registry`: the node's channel registry (the shared membership itself is the primary's). */
  constructor(port: IpcPort, logger?: Logger, registry = new ChannelRegistry()) {
    const membership = new IpcMembership(port);
    const control = new IpcControl(() => membership.abort());
    super(registry, new IpcBroker(control.nodeId, port, () => control.delivery), membership, control);
    port.onMessage((m) => {
      if (!isIpcMessage(m)) return;
      switch (m.herald) {
        case 'reply':
          return membership.settle(m);
        case 'envelope':
          return control.delivery?.deliver(m.envelope);
        case 'gone':
          return control.gone(m);
        default:
          logger?.warn({ message: m.herald }, 'unexpected IPC message');
      }
    });
  }
}
