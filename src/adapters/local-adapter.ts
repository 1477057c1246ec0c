/**
 * The in-memory adapter: one process is the whole cluster. The default. Its roles live in local/:
 * broker.ts (seal and deliver here), membership.ts (the shared state in this process's memory),
 * control.ts (always ready).
 */
import { ChannelRegistry } from '../channels/registry.js';
import { ComposedAdapter } from './composed-adapter.js';
import { LocalBroker } from './local/broker.js';
import { LocalControl } from './local/control.js';
import { LocalMembership } from './local/membership.js';

export class LocalAdapter extends ComposedAdapter {
  constructor(now: () => number = Date.now, registry = new ChannelRegistry()) {
    const control = new LocalControl();
    const broker = new LocalBroker(control.nodeId, () => control.delivery);
    super(registry, broker, new LocalMembership(now, registry), control);
  }
}
