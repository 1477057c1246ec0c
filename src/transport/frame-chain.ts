/**
 * The frames each socket was sent during this event-loop turn, as a trie shared by every socket.
 *
 * A socket's pending frames are a path from the turn's root. Sockets sent the same frames in the same
 * order (every subscriber of a channel that got several events this turn) end on the same node, and a
 * node joins its frames into one buffer once, for all of them. Joining per socket instead cost 510 ns
 * per delivery at several events per turn, and 42 MB of copies per turn at 10,000 sockets (issue 10);
 * a writev of the shared frames (cork/uncork) cost more CPU per delivery than this (docs/benchmarks.md).
 */
import type { PreparedFrame } from './ws-frame.js';

/** Counters for the benchmark: socket writes, and frames joined into a buffer of their own. */
export const chainStats = { writes: 0, joins: 0, joinedBytes: 0 };

export class FrameChain {
  /** The one child most nodes have (a broadcast's next frame), kept out of a Map. */
  private nextFrame: PreparedFrame | null = null;
  private nextChain: FrameChain | null = null;
  private more: Map<PreparedFrame, FrameChain> | null = null;
  private joined: Buffer | null = null;

  private constructor(
    private readonly parent: FrameChain | null,
    private readonly frame: PreparedFrame | null,
    /** Frames from the root to here. */
    readonly depth: number,
  ) {}

  /** This path followed by `frame`. */
  append(frame: PreparedFrame): FrameChain {
    if (this.nextFrame === frame) return this.nextChain!;
    if (this.nextFrame === null) {
      this.nextFrame = frame;
      this.nextChain = new FrameChain(this, frame, this.depth + 1);
      return this.nextChain;
    }
    this.more ??= new Map();
    let c = this.more.get(frame);
    if (!c) {
      c = new FrameChain(this, frame, this.depth + 1);
      this.more.set(frame, c);
    }
    return c;
  }

  /** The frames of the path as one buffer: the frame itself for one, joined once and shared for more. */
  bytes(): Buffer {
    if (this.joined) return this.joined;
    if (this.depth === 1) return this.frame!.bytes;
    const parts: Buffer[] = new Array(this.depth);
    let n: FrameChain = this;
    for (let i = this.depth - 1; i >= 0; i--) {
      parts[i] = n.frame!.bytes;
      n = n.parent!;
    }
    this.joined = Buffer.concat(parts);
    chainStats.joins++;
    chainStats.joinedBytes += this.joined.length;
    return this.joined;
  }

  private static root: FrameChain | null = null;

  /** A path of one frame from this turn's root. */
  static start(frame: PreparedFrame): FrameChain {
    if (FrameChain.root === null) {
      FrameChain.root = new FrameChain(null, null, 0);
      // A new turn gets a new trie; sockets still holding nodes of this one keep them until they flush.
      setImmediate(() => {
        FrameChain.root = null;
      });
    }
    return FrameChain.root.append(frame);
  }
}
