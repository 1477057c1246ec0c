/**
 * What one new subscription to a history channel gets before it goes live: the events its user missed
 * (resume), or the newest ones (rewind), or nothing, and then every live event after those, each once.
 *
 * The boundary is exact because of the order of steps: the sequencer copies every event passed on
 * after `begin` to this subscription; the adapter has joined the channel before the store is read; so
 * an event is either in the read (serial <= the read's `last`) or among the copies (serial > last).
 */
import type { HistoryRule } from '../config/config.js';
import type { Connection } from '../connections/connection.js';
import { encodeChannelEvent } from '../protocol/messages.js';
import { type PreparedFrame, prepareFrame } from '../transport/ws-frame.js';
import type { History, HistoryDeps } from './history.js';
import type { Pending } from './sequencer.js';
import type { HistoryEntry } from './store.js';

/** Why resume could not give back everything (the `reason` of herald:resume_failed). */
export type ResumeFailure = 'window' | 'size' | 'expired';

/** Documented in docs/history-and-recovery.md: an app binds it to refetch. */
export const RESUME_FAILED = 'herald:resume_failed';

interface Failure {
  reason: ResumeFailure;
  since: number;
}

interface Plan {
  entries: readonly HistoryEntry[];
  /** Frames of `entries`, shared by every subscription served by the same read. */
  frames: () => readonly PreparedFrame[];
  last: number;
  failed?: Failure;
}

export class Recovery {
  private readonly pending: Pending;
  /** undefined: not read yet (waiting for sign-in); null: the read failed, so no past events. */
  private plan: Plan | null | undefined = undefined;
  /** While waiting for sign-in: the rewind read at subscribe (null when that read failed). */
  private base: Plan | null | undefined = undefined;
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private done = false;

  constructor(
    private readonly history: History,
    private readonly deps: HistoryDeps,
    readonly conn: Connection,
    readonly channel: string,
    private readonly rule: HistoryRule,
  ) {
    this.pending = history.sequencer.begin(conn, channel);
  }

  /**
   * pusher-js resubscribes right after a reconnect, often before its sign-in round trip to the app is
   * done: a resume subscription without a user holds its events until pusher:signin (or the wait ends).
   */
  private waitsForSignin(): boolean {
    return (
      this.rule.resumeSeconds > 0 &&
      this.conn.user === null &&
      this.conn.app.userAuthentication &&
      this.rule.signinWaitMs > 0
    );
  }

  /**
   * Awaited by subscribe after the adapter joined the channel, before subscription_succeeded. A
   * subscription that will wait for its sign-in still reads its rewind now: subscription_succeeded
   * follows, and every event after it must reach the client whether or not resume applies later.
   */
  async prepare(): Promise<void> {
    const waits = this.waitsForSignin();
    try {
      if (waits) {
        this.base = await this.rewind();
        this.history.sequencer.settle(this.conn.app.id, this.channel, this.base.last);
      } else {
        this.plan = await this.read();
      }
    } catch (err) {
      // Without its store the channel still works live; the subscriber just gets no past events.
      this.history.storeFailed(err, 'read');
      if (waits) this.base = null;
      else this.plan = null;
    }
  }

  /** Synchronously after subscription_succeeded: past events, then live ones. */
  finish(): void {
    if (this.plan !== undefined) {
      this.paceFlush(this.plan);
      return;
    }
    this.history.wait(this);
    this.timer = setTimeout(() => this.goLive(), this.rule.signinWaitMs);
    this.timer.unref();
  }

  signedIn(): void {
    this.goLive();
  }

  /** The subscription failed or was replaced: stop collecting events for it. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.history.unwait(this);
    this.history.sequencer.end(this.channel, this.pending);
  }

  /** Signed in, or done waiting: resume if the user has a mark, else the rewind read at subscribe. */
  private goLive(): void {
    if (this.done || this.reading) return;
    this.reading = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const base = this.base ?? null;
    this.resumed().then(
      (resumed) => {
        if (resumed && 'frames' in resumed) this.paceFlush(resumed);
        else this.paceFlush(base && resumed ? { ...base, failed: resumed } : base);
      },
      (err: unknown) => {
        this.history.storeFailed(err, 'read');
        this.paceFlush(base);
      },
    );
  }

  /** Before subscription_succeeded: what the user missed, or else the rule's rewind. */
  private async read(): Promise<Plan> {
    const resumed = await this.resumed();
    if (resumed && 'frames' in resumed) return resumed;
    const plan = await this.rewind();
    return resumed ? { ...plan, failed: resumed } : plan;
  }

  /** The events after the user's mark; why not, when it has one but they are gone; null without one. */
  private async resumed(): Promise<Plan | Failure | null> {
    const { store } = this.history;
    const { conn, channel, rule } = this;
    if (rule.resumeSeconds === 0 || !conn.user) return null;
    const appId = conn.app.id;
    const mark = await store.leftMark(appId, channel, conn.user.id);
    if (!mark) return null;
    if (this.deps.now() - mark.at > rule.resumeSeconds * 1000)
      return { reason: 'window', since: mark.serial };
    const page = await store.after(appId, channel, mark.serial, rule.size);
    if (page.last < mark.serial) return { reason: 'expired', since: mark.serial };
    if (page.first > mark.serial + 1) return { reason: 'size', since: mark.serial };
    return sharedPlan(page.entries, page.last);
  }

  /** What any new subscriber gets: the newest `rewind` events (younger than `rewindSeconds`). */
  private async rewind(): Promise<Plan> {
    const { conn, channel, rule } = this;
    const count = rule.rewind > 0 ? rule.rewind : rule.rewindSeconds > 0 ? rule.size : 0;
    const plan = await this.history.reads.latest(conn.app.id, channel, count);
    if (rule.rewindSeconds === 0) return plan;
    const since = this.deps.now() - rule.rewindSeconds * 1000;
    const young = plan.entries.findIndex((e) => e.at >= since);
    const skip = young < 0 ? plan.entries.length : young;
    return skip === 0 ? plan : sharedPlan(plan.entries.slice(skip), plan.last);
  }

  private paceFlush(plan: Plan | null): void {
    const bytes = plan ? plan.frames().reduce((sum, f) => sum + f.bytes.length, 0) : 0;
    this.history.pace(bytes, () => this.flush(plan));
  }

  private flush(plan: Plan | null): void {
    if (this.done) return;
    this.done = true;
    const { conn, channel } = this;
    if (conn.closed || !this.deps.hub.registry.subscription(conn, channel)) {
      this.stop();
      return;
    }
    const appId = conn.app.id;
    if (plan) this.history.sequencer.settle(appId, channel, plan.last);
    if (plan?.failed) {
      const data = JSON.stringify({
        reason: plan.failed.reason,
        since: plan.failed.since,
        serial: plan.last,
      });
      conn.sendText(encodeChannelEvent(RESUME_FAILED, channel, data));
    }
    if (plan) for (const frame of plan.frames()) conn.send(frame);
    const last = plan?.last ?? 0;
    for (const env of this.pending.buffer) {
      if (env.serial !== undefined && env.serial <= last) continue;
      if (env.except === conn.socketId) continue;
      conn.sendText(env.frame);
    }
    // Both synchronous: no event can fall between the copies and the live fan-out. Joined first, so
    // events still held for want of a read (every read failed) are passed on to this socket too.
    this.deps.hub.addSubscriber(conn, channel);
    this.stop();
  }
}

function sharedPlan(entries: readonly HistoryEntry[], last: number): Plan {
  let frames: PreparedFrame[] | null = null;
  return { entries, last, frames: () => (frames ??= entries.map((e) => prepareFrame(e.frame))) };
}

/**
 * Rewind reads shared by the subscriptions of one channel that ask in the same event-loop turn: a
 * thousand subscribers arriving together cost a few reads and one set of frames, not a thousand.
 * A read only serves requests made before it starts, which keeps each subscription's boundary exact.
 */
export class SharedReads {
  private readonly queued = new Map<string, Promise<Plan>>();

  constructor(private readonly history: Pick<History, 'store'>) {}

  latest(appId: string, channel: string, count: number): Promise<Plan> {
    const key = `${appId}\n${channel}\n${count}`;
    const waiting = this.queued.get(key);
    if (waiting) return waiting;
    const read = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.queued.delete(key);
      return this.history.store.latest(appId, channel, count);
    });
    const plan = read.then((page) => sharedPlan(page.entries, page.last));
    this.queued.set(key, plan);
    return plan;
  }
}
