/**
 * What this node's sockets were told about each presence channel's members: the union of the member
 * lists they received on subscribing and every member_added / member_removed delivered here since.
 * After an outage the node compares it with the cluster's members and tells its own sockets the
 * difference, which repairs announcements lost while its pub/sub connection was still reconnecting.
 */
import type { Envelope } from '../adapter.js';

const MEMBER_EVENT = '{"event":"pusher_internal:member_';

/** `{ userId, added }` when the frame is a member_added / member_removed this server built, else null. */
export function memberEvent(frame: string): { userId: string; added: boolean } | null {
  if (!frame.startsWith(MEMBER_EVENT)) return null;
  try {
    const parsed = JSON.parse(frame) as { event: string; data: string };
    const data = JSON.parse(parsed.data) as { user_id: string };
    return { userId: data.user_id, added: parsed.event === 'pusher_internal:member_added' };
  } catch {
    return null;
  }
}

export interface ViewDiff {
  added: [string, unknown][];
  removed: string[];
}

export class PresenceViews {
  /** `appId\nchannel` → user id → user_info */
  private readonly views = new Map<string, Map<string, unknown>>();

  /** Local sockets received this member list (a subscription's snapshot). */
  told(key: string, members: ReadonlyMap<string, unknown>): void {
    let view = this.views.get(key);
    if (!view) {
      view = new Map();
      this.views.set(key, view);
    }
    for (const [id, info] of members) view.set(id, info);
  }

  /** Follows member events delivered to local sockets; other frames cost one prefix check. */
  observe(key: string, envelope: Envelope): void {
    if (envelope.kind !== 'channel' || !envelope.frame.startsWith(MEMBER_EVENT)) return;
    const view = this.views.get(key);
    if (!view) return;
    try {
      const frame = JSON.parse(envelope.frame) as { event: string; data: string };
      const data = JSON.parse(frame.data) as { user_id: string; user_info?: unknown };
      if (frame.event === 'pusher_internal:member_added') view.set(data.user_id, data.user_info);
      else if (frame.event === 'pusher_internal:member_removed') view.delete(data.user_id);
    } catch {
      // Not a frame we built; nothing to follow.
    }
  }

  /** False when local sockets were last told this user left (a reaper's member_removed reached them). */
  knows(key: string, userId: string): boolean {
    return this.views.get(key)?.has(userId) ?? true;
  }

  drop(key: string): void {
    this.views.delete(key);
  }

  keys(): string[] {
    return [...this.views.keys()];
  }

  /** What the sockets lack compared with `cluster`; the view is updated as if they were told. */
  reconcile(key: string, cluster: ReadonlyMap<string, unknown>): ViewDiff {
    const view = this.views.get(key);
    if (!view) return { added: [], removed: [] };
    const added: [string, unknown][] = [];
    const removed: string[] = [];
    for (const [id, info] of cluster) if (!view.has(id)) added.push([id, info]);
    for (const id of view.keys()) if (!cluster.has(id)) removed.push(id);
    for (const [id, info] of added) view.set(id, info);
    for (const id of removed) view.delete(id);
    return { added, removed };
  }
}
