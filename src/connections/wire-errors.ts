/** The one place errors become WebSocket frames and close codes. */
import { type ErrorKindName, ErrorKinds, HeraldError } from '../protocol/errors.js';
import { encodeError } from '../protocol/messages.js';
import type { Connection } from './connection.js';

/** Sends `pusher:error` for the error and closes the connection when the error kind closes. */
export function sendError(conn: Connection, err: HeraldError): void {
  conn.sendText(encodeError(err.code, err.message));
  if (err.close !== null) {
    conn.closeCode ??= err.close;
    conn.closeReason ??= err.message;
    conn.socket.close(err.close, truncateReason(err.message));
  }
}

/** Error-then-close for a connection-level condition (WS-09). */
export function closeWith(conn: Connection, kind: ErrorKindName, detail?: string): void {
  sendError(conn, new HeraldError(kind, detail));
  const k = ErrorKinds[kind];
  if (k.close === null) {
    conn.closeCode ??= 1011;
    conn.socket.close(1011, 'closing');
  }
}

/** Maps anything thrown by a handler to a HeraldError; unknown errors become a non-closing internal error. */
export function toHeraldError(err: unknown): HeraldError {
  if (err instanceof HeraldError) return err;
  return new HeraldError('internal', 'Internal server error');
}

/** Close reasons are limited to 123 bytes by RFC 6455. */
export function truncateReason(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : Buffer.from(reason).subarray(0, 120).toString('utf8');
}
