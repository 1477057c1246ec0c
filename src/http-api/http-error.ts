/** The one place errors become HTTP responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeraldError } from '../protocol/errors.js';

/** The `{}` most triggers answer with: sent from pre-built headers, without serialising. */
export const EMPTY_JSON_OBJECT: Readonly<Record<string, never>> = Object.freeze({});
const EMPTY_OBJECT_HEADERS = ['Content-Type', 'application/json', 'Content-Length', '2'];

/** True while the request still has body bytes to come that nobody will read. */
function bodyUnread(req: IncomingMessage): boolean {
  if (req.complete) return false;
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  // Answered before its body was read (a refusal, a 413, a timeout): close after the answer instead of
  // draining whatever a slow or endless body still sends.
  if (status === 413 || status === 408 || bodyUnread(res.req)) res.setHeader('Connection', 'close');
  if (body === EMPTY_JSON_OBJECT) {
    res.writeHead(status, EMPTY_OBJECT_HEADERS);
    res.end('{}');
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendHttpError(res: ServerResponse, err: unknown): number {
  const e = err instanceof HeraldError ? err : new HeraldError('internal');
  if (!res.headersSent) sendJson(res, e.status, { error: e.message });
  else res.end();
  return e.status;
}
