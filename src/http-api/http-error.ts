/** The one place errors become HTTP responses. */
import type { ServerResponse } from 'node:http';
import { HeraldError } from '../protocol/errors.js';

/** The `{}` most triggers answer with: sent from pre-built headers, without serialising. */
export const EMPTY_JSON_OBJECT: Readonly<Record<string, never>> = Object.freeze({});
const EMPTY_OBJECT_HEADERS = ['Content-Type', 'application/json', 'Content-Length', '2'];

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
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
