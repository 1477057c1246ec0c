/**
 * What the console remembers while someone watches, and forgets when no one does: when channels
 * became occupied, the last webhook attempts per target, and which user each socket is.
 */
import type { ServerEvent, WebhookAttempt } from '../events/server-events.js';

/** Attempts kept per webhook target. */
export const ATTEMPTS_PER_TARGET = 50;
/** Sockets whose user is remembered at most (beyond it, user filters miss the oldest). */
const MAX_SOCKET_USERS = 100_000;

export interface AttemptRecord extends WebhookAttempt {
  t: number;
  appId: string;
  outcome: 'sent' | 'failed';
  events: number;
}

export class WatchState {
  /** When watching began: channels occupied before it show "before" that time. */
  since = 0;
  private readonly occupied = new Map<string, number>();
  private readonly attempts = new Map<string, AttemptRecord[]>();
  private readonly users = new Map<string, string>();

  start(now: number): void {
    this.since = now;
  }

  clear(): void {
    this.occupied.clear();
    this.attempts.clear();
    this.users.clear();
    this.since = 0;
  }

  note(e: ServerEvent, now: number): void {
    switch (e.type) {
      case 'channel_occupied':
        this.occupied.set(key(e.appId, e.channel), now);
        return;
      case 'channel_vacated':
        this.occupied.delete(key(e.appId, e.channel));
        return;
      case 'signed_in':
        this.remember(e.socketId, e.userId);
        return;
      case 'subscribed':
        if (e.userId !== undefined) this.remember(e.socketId, e.userId);
        return;
      case 'connection_closed':
        this.users.delete(e.socketId);
        return;
      case 'webhook': {
        const a = e.attempt;
        if (!a || (e.outcome !== 'sent' && e.outcome !== 'failed')) return;
        let list = this.attempts.get(a.target);
        if (!list) {
          list = [];
          this.attempts.set(a.target, list);
        }
        list.push({ ...a, t: now, appId: e.appId, outcome: e.outcome, events: e.events });
        if (list.length > ATTEMPTS_PER_TARGET) list.shift();
        return;
      }
      default:
        return;
    }
  }

  private remember(socket: string, user: string): void {
    if (this.users.size >= MAX_SOCKET_USERS && !this.users.has(socket)) return;
    this.users.set(socket, user);
  }

  /** When the channel became occupied, if that happened on this node while watching. */
  occupiedSince(appId: string, channel: string): number | undefined {
    return this.occupied.get(key(appId, channel));
  }

  userOf = (socket: string): string | undefined => this.users.get(socket);

  /** Newest first. */
  attemptsOf(target: string): AttemptRecord[] {
    return [...(this.attempts.get(target) ?? [])].reverse();
  }
}

function key(appId: string, channel: string): string {
  return `${appId}\u0000${channel}`;
}
