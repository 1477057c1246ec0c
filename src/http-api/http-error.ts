/** The one place errors become HTTP responses. */
import type { ServerResponse } from 'node:http';
import { HeraldError } from '../protocol/errors.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
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
