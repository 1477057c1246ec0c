/**
 * A presence channel's member list, kept pre-encoded for `pusher_internal:subscription_succeeded`.
 *
 * Every joiner gets the whole list. Encoding it per joiner (an object, then JSON twice: the data is a
 * JSON string inside the frame) made filling a room of n members cost n full encodes, and a storm of
 * 5,000 joins froze the server for seconds (issue 11). Here each member is encoded once, when it joins,
 * already escaped for the frame's data string (escaping is per character, so escaped pieces concatenate
 * to the escaped whole); a joiner then costs one copy of the pieces, and joiners between two changes
 * share the same frame.
 */
import { encodeChannelEvent } from '../protocol/messages.js';
import { type PreparedFrame, prepareFrame } from '../transport/ws-frame.js';

interface Entry {
  readonly info: unknown;
  /** `"id"` and `"id":info`, escaped for the frame's data string. */
  readonly id: string;
  readonly pair: string;
}

/** JSON text escaped as the inside of a JSON string. */
function escaped(json: string): string {
  return JSON.stringify(json).slice(1, -1);
}

export class MemberSnapshot {
  private readonly entries = new Map<string, Entry>();
  /** The escaped ids and pairs so far, comma-separated; appended to on a join, rebuilt after a leave. */
  private ids = '';
  private pairs = '';
  private stale = false;
  private frame: PreparedFrame | null = null;
  private readonly head: string;
  private readonly tail: string;

  constructor(readonly channel: string) {
    // The frame around the list, split where the list goes (`"data":"…"` holds the escaped JSON).
    const marker = '\u0000';
    const whole = encodeChannelEvent('pusher_internal:subscription_succeeded', channel, marker);
    const at = whole.indexOf('\\u0000');
    this.head = `${whole.slice(0, at)}${escaped('{"presence":{"ids":[')}`;
    this.tail = whole.slice(at + '\\u0000'.length);
  }

  get size(): number {
    return this.entries.size;
  }

  has(userId: string): boolean {
    return this.entries.has(userId);
  }

  /** Adds a member, or replaces its user_info (the latest authorization's view wins). */
  add(userId: string, info: unknown): void {
    const id = escaped(JSON.stringify(userId));
    // An absent user_info is null in the snapshot, as Pusher sends it.
    const pair = `${id}${escaped(`:${JSON.stringify(info ?? null)}`)}`;
    const old = this.entries.get(userId);
    if (old?.pair === pair) return;
    this.entries.set(userId, { info, id, pair });
    this.frame = null;
    if (old) this.stale = true;
    if (this.stale) return;
    const comma = this.entries.size > 1 ? ',' : '';
    this.ids += comma + id;
    this.pairs += comma + pair;
  }

  /** Removes a member; true when it was one. */
  remove(userId: string): boolean {
    if (!this.entries.delete(userId)) return false;
    // Rebuilt lazily: a wave of leaves with no joiner in between costs nothing per leave.
    this.stale = true;
    this.frame = null;
    return true;
  }

  /** userId → user_info, in join order. */
  members(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [id, e] of this.entries) out.set(id, e.info);
    return out;
  }

  /** The subscription_succeeded frame with every current member: built once per change, then shared. */
  subscriptionSucceeded(): PreparedFrame {
    if (this.frame) return this.frame;
    if (this.stale) {
      const ids: string[] = [];
      const pairs: string[] = [];
      for (const e of this.entries.values()) {
        ids.push(e.id);
        pairs.push(e.pair);
      }
      this.ids = ids.join(',');
      this.pairs = pairs.join(',');
      this.stale = false;
    }
    const middle = escaped('],"hash":{');
    const end = escaped(`},"count":${this.entries.size}}}`);
    this.frame = prepareFrame(`${this.head}${this.ids}${middle}${this.pairs}${end}${this.tail}`);
    return this.frame;
  }

  /** A one-off snapshot of a member list that lives elsewhere (a remote store). */
  static of(channel: string, members: ReadonlyMap<string, unknown>): MemberSnapshot {
    const s = new MemberSnapshot(channel);
    for (const [id, info] of members) s.add(id, info);
    return s;
  }
}
