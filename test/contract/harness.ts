/**
 * What the role contracts (broker, membership, control) share: a "cluster" is one or more adapters
 * that share state, each playing one node with a recording NodeDelivery. adapters.test.ts runs every
 * role's suite against every implementation.
 */
import type {
  Adapter,
  ClusterNews,
  MemberChange,
  NodeDelivery,
  PresenceMember,
  Sealed,
} from '../../src/adapters/adapter.js';

/** A node's side of the adapter, recording: envelopes delivered and the cluster news it was told. */
export class RecordingDelivery implements NodeDelivery, ClusterNews {
  readonly envelopes: Sealed[] = [];
  readonly gone: string[] = [];
  /** Membership versions of the members gone, in arrival order. */
  readonly goneVersions: number[] = [];
  private waiters: (() => void)[] = [];

  deliver(envelope: Sealed): void {
    this.envelopes.push(envelope);
    this.wake();
  }
  memberGone(appId: string, channel: string, userId: string, version: number): void {
    this.gone.push(`member ${appId} ${channel} ${userId}`);
    this.goneVersions.push(version);
    this.wake();
  }
  channelGone(appId: string, channel: string): void {
    this.gone.push(`channel ${appId} ${channel}`);
    this.wake();
  }
  /** The other news (users gone, write-backs, counts), one line each. */
  readonly news: string[] = [];
  userGone(appId: string, userId: string): void {
    this.news.push(`user gone ${appId} ${userId}`);
    this.wake();
  }
  memberBack(appId: string, channel: string, member: PresenceMember): void {
    this.news.push(`member back ${appId} ${channel} ${member.userId}`);
    this.wake();
  }
  channelBack(appId: string, channel: string): void {
    this.news.push(`channel back ${appId} ${channel}`);
    this.wake();
  }
  countChanged(appId: string, channel: string, count: number): void {
    this.news.push(`count ${appId} ${channel} ${count}`);
    this.wake();
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `check` holds, re-checked on every delivery; rejects after `ms`. */
  async until(what: string, check: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export interface AdapterCluster {
  nodes: Adapter[];
  deliveries: RecordingDelivery[];
  /** Ends node `i` the way a killed process ends: no goodbye. Absent when the adapter has no peers. */
  kill?(i: number): void;
  close(): Promise<void>;
}

export interface ContractOptions {
  name: string;
  /** Builds a started cluster of `nodes` nodes with fresh, empty state. */
  create(nodes: number): Promise<AdapterCluster>;
  /** How many nodes the implementation can form; 1 skips the cross-node cases. */
  maxNodes: number;
  /** Why cross-node cases are skipped, when they are. */
  singleNodeReason?: string;
  /** True when a node receives channel traffic only while it has subscribers there. */
  filtersByInterest?: boolean;
}

export const APP = 'app-1';
let seq = 0;
/** A channel name unique to the test, so cases never see each other's state. */
export const fresh = (prefix = '') => `${prefix}c${++seq}-${Math.random().toString(36).slice(2, 8)}`;
/** A member change without its version (checked on its own: it only has to grow). */
export const cv = ({ changed, userCount }: MemberChange) => ({ changed, userCount });
export const member = (userId: string, info: unknown = { name: userId }): PresenceMember => ({
  userId,
  userInfo: info,
});

/** Why cross-node cases are skipped for `opts`, or false when they run. */
export function crossNodeSkip(opts: ContractOptions): string | false {
  return opts.maxNodes >= 2 ? false : (opts.singleNodeReason ?? 'single node');
}
