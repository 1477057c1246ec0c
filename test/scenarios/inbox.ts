/**
 * A log of everything a pusher-js client saw on its channels and connection, so scenario tests can
 * await "the next thing matching X" with a timeout and assert what did NOT arrive before a barrier
 * event (frames on one socket are ordered, so an event published after X arrives after X).
 */
import type { PusherJs } from '../helpers/pusher-js.js';

export interface Seen {
  channel: string;
  event: string;
  data: unknown;
  /** pusher-js metadata: `user_id` of a presence client event. */
  userId?: string | undefined;
}

type Waiter = { match: (s: Seen) => boolean; resolve: (s: Seen) => void };

export class Inbox {
  readonly all: Seen[] = [];
  private unread: Seen[] = [];
  private waiters: Waiter[] = [];

  push(s: Seen): void {
    this.all.push(s);
    const i = this.waiters.findIndex((w) => w.match(s));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(s);
    else this.unread.push(s);
  }

  /** The first unread (or future) entry matching; rejects after `ms` listing what did arrive. */
  next(match: (s: Seen) => boolean, ms = 5000, what = 'entry'): Promise<Seen> {
    const i = this.unread.findIndex(match);
    if (i >= 0) return Promise.resolve(this.unread.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        const seen = this.all.map((s) => `${s.channel}/${s.event}`).join(', ');
        reject(new Error(`no ${what} within ${ms} ms; seen: ${seen}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  event(channel: string, event: string, ms?: number): Promise<Seen> {
    return this.next((s) => s.channel === channel && s.event === event, ms, `${event} on ${channel}`);
  }

  /** Unread entries matching, consumed. */
  take(match: (s: Seen) => boolean): Seen[] {
    const hit = this.unread.filter(match);
    this.unread = this.unread.filter((s) => !match(s));
    return hit;
  }
}

/**
 * Records every event of `channel` on `client` (bind per event so presence metadata is kept) —
 * pusher-js's `bind_global` drops the metadata, so the events of interest are listed.
 */
export function record(client: PusherJs, channelName: string, inbox: Inbox, events: string[]): void {
  const channel = client.channel(channelName) ?? client.subscribe(channelName);
  for (const event of events) {
    channel.bind(event, (data: unknown, meta?: { user_id?: string }) =>
      inbox.push({ channel: channelName, event, data, userId: meta?.user_id }),
    );
  }
}

/** Resolves with the next connection state pusher-js enters that matches, within `ms`. */
export function state(client: PusherJs, wanted: string, ms = 5000): Promise<void> {
  if (client.connection.state === wanted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cb = (s: { current: string }) => {
      if (s.current !== wanted) return;
      clearTimeout(timer);
      client.connection.unbind('state_change', cb);
      resolve();
    };
    const timer = setTimeout(() => {
      client.connection.unbind('state_change', cb);
      reject(new Error(`state ${wanted} not reached within ${ms} ms (now ${client.connection.state})`));
    }, ms);
    client.connection.bind('state_change', cb);
  });
}

/** Every state pusher-js passes through, in order. */
export function stateLog(client: PusherJs): string[] {
  const log: string[] = [];
  client.connection.bind('state_change', (s: { current: string }) => log.push(s.current));
  return log;
}
