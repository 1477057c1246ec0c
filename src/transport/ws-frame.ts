/**
 * RFC 6455 framing for server→client text frames. A broadcast is framed once and the same bytes are
 * written to every recipient (servers never mask).
 */

/** A frame buffer for a payload of `len` bytes, its header written; the payload goes at the offset. */
function allocFrame(len: number): { frame: Buffer; offset: number } {
  let header: number;
  if (len < 126) header = 2;
  else if (len < 65536) header = 4;
  else header = 10;
  const frame = Buffer.allocUnsafe(header + len);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (len < 126) {
    frame[1] = len;
  } else if (len < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    frame.writeUInt32BE(len >>> 0, 6);
  }
  return { frame, offset: header };
}

/** One complete, unmasked, final text frame carrying `payload`. */
export function textFrame(payload: Buffer): Buffer {
  const { frame, offset } = allocFrame(payload.length);
  payload.copy(frame, offset);
  return frame;
}

/** A frame prepared once: the JSON text (for sockets that need it) and its wire bytes. */
export interface PreparedFrame {
  readonly text: string;
  readonly bytes: Buffer;
  /**
   * The HTTP transports' chunk for this frame, built by the first HTTP recipient and reused by the
   * rest (see http-frame.ts); a broadcast to WebSockets only never builds it.
   */
  httpChunk: Buffer | undefined;
}

export function prepareFrame(text: string): PreparedFrame {
  // httpChunk is present from the start so every frame has the same shape.
  return { text, bytes: textFrame(Buffer.from(text, 'utf8')), httpChunk: undefined };
}

/** A frame whose payload is kept as bytes; its text is decoded only if a recipient needs it. */
class PiecedFrame implements PreparedFrame {
  httpChunk: Buffer | undefined = undefined;
  private decoded: string | undefined;

  constructor(
    readonly bytes: Buffer,
    private readonly offset: number,
  ) {}

  get text(): string {
    this.decoded ??= this.bytes.toString('utf8', this.offset);
    return this.decoded;
  }
}

/**
 * A frame whose payload is the UTF-8 pieces in order, copied once into the frame: for large payloads
 * assembled from parts kept encoded (a presence snapshot), with no string built and encoded per frame.
 */
export function prepareFrameFromPieces(pieces: readonly Buffer[]): PreparedFrame {
  let len = 0;
  for (const p of pieces) len += p.length;
  const { frame, offset } = allocFrame(len);
  let at = offset;
  for (const p of pieces) at += p.copy(frame, at);
  return new PiecedFrame(frame, offset);
}
