/**
 * One channel as this node holds it (src/channels/registry.ts): this node's sockets in the channel's
 * shared membership with its presence users, the local connections its events are delivered to, and
 * what those were told of members. The adapter's membership role writes the first part as it changes
 * the shared state (so first/last answers are decided in call order); subscribe.ts the second.
 */
import type { Connection } from '../connections/connection.js';
import { MemberView } from './member-view.js';
import { MemberSnapshot } from './presence-snapshot.js';

/** A presence user of this node in the channel. */
export interface LocalUser {
  /** its sockets here */
  readonly sockets: Set<string>;
  /** the latest user_info it joined with (the latest authorization's view wins) */
  info: unknown;
}

export class LocalChannel {
  /** This node's sockets in the channel's shared membership. */
  readonly sockets = new Set<string>();
  /** Presence: this node's users, each with its sockets here. */
  readonly users = new Map<string, LocalUser>();
  /** The local connections the channel's events go to (from subscription_succeeded on). */
  readonly subscribers = new Set<Connection>();
  /** What the subscribers were told of members (presence), with the version of each fact. */
  view: MemberView | null = null;
  /** The member list kept encoded for joiners, once asked for (the in-memory membership). */
  private encoded: MemberSnapshot | null = null;

  constructor(readonly name: string) {}

  get idle(): boolean {
    return this.sockets.size === 0 && this.users.size === 0 && this.subscribers.size === 0;
  }

  /** O(1): the user's latest user_info is kept once per user, not per socket. True on its first socket. */
  addMember(socketId: string, userId: string, info: unknown): boolean {
    const user = this.users.get(userId);
    this.encoded?.add(userId, info);
    if (user) {
      user.info = info;
      user.sockets.add(socketId);
      return false;
    }
    this.users.set(userId, { sockets: new Set([socketId]), info });
    return true;
  }

  /** True when it was the user's last socket. */
  removeMember(socketId: string, userId: string): boolean {
    const user = this.users.get(userId);
    if (!user?.sockets.delete(socketId) || user.sockets.size > 0) return false;
    this.users.delete(userId);
    this.encoded?.remove(userId);
    return true;
  }

  /** userId → user_info, in join order. */
  members(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [id, user] of this.users) out.set(id, user.info);
    return out;
  }

  /** The members kept encoded from now on (built once, then changed with each join and leave). */
  snapshot(): MemberSnapshot {
    if (!this.encoded) {
      this.encoded = new MemberSnapshot(this.name);
      for (const [id, user] of this.users) this.encoded.add(id, user.info);
    }
    return this.encoded;
  }

  /** The view of what the subscribers were told, created with the first joiner's snapshot. */
  memberView(): MemberView {
    this.view ??= new MemberView();
    return this.view;
  }
}
