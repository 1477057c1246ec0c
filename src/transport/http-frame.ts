/**
 * The framing of pusher-js's HTTP transports (xhr_streaming, xhr_polling), a SockJS dialect read from
 * pusher-js's src/core/http/http_socket.ts. The server answers receive requests with newline-ended
 * lines: `o` (session open), `h` (heartbeat), `a[…]` (an array of message strings, each the same JSON
 * text a WebSocket frame carries) and `c[code,"reason"]` (close). The client posts a JSON array of
 * message strings to `xhr_send`; `[]` is its heartbeat.
 */
import { HeraldError } from '../protocol/errors.js';
import { parseJson } from '../protocol/json-depth.js';
import type { PreparedFrame } from './ws-frame.js';

/**
 * Lines are kept as HTTP/1.1 chunks (`<hex length>\r\n<line>\r\n`), so a stream writes the same bytes
 * to every recipient's socket as a WebSocket frame is written, without Node's per-write chunk framing;
 * a poll answers with the lines themselves (`unchunked`).
 */
export function chunked(line: Buffer): Buffer {
  const head = `${line.length.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(head.length + line.length + 2);
  out.write(head, 0, 'latin1');
  line.copy(out, head.length);
  out.write('\r\n', head.length + line.length, 'latin1');
  return out;
}

/** The line inside a chunk (no copy). */
export function unchunked(chunk: Buffer): Buffer {
  return chunk.subarray(chunk.indexOf(0x0a) + 1, chunk.length - 2);
}

export const OPEN_CHUNK = chunked(Buffer.from('o\n'));
export const HEARTBEAT_CHUNK = chunked(Buffer.from('h\n'));

/** The `a[…]` chunk for one frame, built once per frame whatever the number of HTTP recipients. */
export function messageChunk(frame: PreparedFrame): Buffer {
  frame.httpChunk ??= chunked(Buffer.from(`a[${JSON.stringify(frame.text)}]\n`, 'utf8'));
  return frame.httpChunk;
}

/** The close line (not chunked: it always leaves through Node's own response writes). */
export function closeLine(code: number, reason: string): Buffer {
  return Buffer.from(`c${JSON.stringify([code, reason])}\n`, 'utf8');
}

/** The messages of one `xhr_send` body: a JSON array of strings (400 otherwise). */
export function parseSendBody(body: Buffer): string[] {
  // An array of strings nests one level deep: anything deeper is refused before it is parsed.
  const result = parseJson(body.toString('utf8'), 1);
  if (!result.ok) throw new HeraldError('badRequest', 'Body must be a JSON array of message strings');
  const parsed = result.value;
  if (!Array.isArray(parsed) || !parsed.every((m) => typeof m === 'string')) {
    throw new HeraldError('badRequest', 'Body must be a JSON array of message strings');
  }
  return parsed;
}
