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
import { type PreparedFrame, prepareFrameFromPieces } from '../transport/ws-frame.js';

interface Entry {
  readonly info: unknown;
  /** `"id"` and `"id":info`, escaped for the frame's data string, as UTF-8. */
  readonly id: Buffer;
  readonly pair: Buffer;
}

/** JSON text escaped as the inside of a JSON string. */
function escaped(json: string): string {
  return JSON.stringify(json).slice(1, -1);
}

const COMMA = Buffer.from(',');
const MIDDLE = Buffer.from(escaped('],"hash":{'));

/**
 * Bytes appended to in place, the capacity doubling: a join appends its piece in O(piece), and the
 * bytes so far are read without a copy (a frame copies them at once).
 */
class ByteList {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;

  append(piece: Buffer): void {
    const need = this.len + piece.length;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    this.len += piece.copy(this.buf, this.len);
  }

  clear(): void {
    this.len = 0;
  }

  get empty(): boolean {
    return this.len === 0;
  }

  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export class MemberSnapshot {
  private readonly entries = new Map<string, Entry>();
  /** The escaped ids and pairs so far, comma-separated; appended to on a join, rebuilt after a leave. */
  private readonly ids = new ByteList();
  private readonly pairs = new ByteList();
  private stale = false;
  private frame: PreparedFrame | null = null;
  private readonly head: Buffer;
  private readonly tail: Buffer;

  constructor(readonly channel: string) {
    // The frame around the list, split where the list goes (`"data":"…"` holds the escaped JSON).
    const marker = '\u0000';
    const whole = encodeChannelEvent('pusher_internal:subscription_succeeded', channel, marker);
    const at = whole.indexOf('\\u0000');
    this.head = Buffer.from(`${whole.slice(0, at)}${escaped('{"presence":{"ids":[')}`);
    this.tail = Buffer.from(whole.slice(at + '\\u0000'.length));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Adds a member, or replaces its user_info (the latest authorization's view wins). */
  add(userId: string, info: unknown): void {
    const idText = escaped(JSON.stringify(userId));
    // An absent user_info is null in the snapshot, as Pusher sends it.
    const pair = Buffer.from(`${idText}${escaped(`:${JSON.stringify(info ?? null)}`)}`);
    const old = this.entries.get(userId);
    if (old?.pair.equals(pair)) return;
    this.entries.set(userId, { info, id: old?.id ?? Buffer.from(idText), pair });
    this.frame = null;
    if (old) this.stale = true;
    if (this.stale) return;
    this.appendEntry(this.entries.get(userId)!);
  }

  private appendEntry(e: Entry): void {
    if (!this.ids.empty) {
      this.ids.append(COMMA);
      this.pairs.append(COMMA);
    }
    this.ids.append(e.id);
    this.pairs.append(e.pair);
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

  /**
   * The subscription_succeeded frame with every current member: built once per change, then shared.
   * Built from bytes kept encoded, with one copy into the frame: a string per joiner (flattened, then
   * encoded, then copied into the frame) made a 5,000-member storm allocate gigabytes and spend its
   * longest pauses in the garbage collector.
   */
  subscriptionSucceeded(): PreparedFrame {
    if (this.frame) return this.frame;
    if (this.stale) {
      this.ids.clear();
      this.pairs.clear();
      for (const e of this.entries.values()) this.appendEntry(e);
      this.stale = false;
    }
    const end = Buffer.from(escaped(`},"count":${this.entries.size}}}`));
    this.frame = prepareFrameFromPieces([
      this.head,
      this.ids.view(),
      MIDDLE,
      this.pairs.view(),
      end,
      this.tail,
    ]);
    return this.frame;
  }

  /** A one-off snapshot of a member list that lives elsewhere (a remote store). */
  static of(channel: string, members: ReadonlyMap<string, unknown>): MemberSnapshot {
    const s = new MemberSnapshot(channel);
    for (const [id, info] of members) s.add(id, info);
    return s;
  }
}
