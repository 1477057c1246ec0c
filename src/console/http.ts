/** Responses of the console listener: the security headers every answer carries, and small senders. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeraldConfig } from '../config/config.js';
import { parseJsonObject, readBody } from '../http-api/body.js';
import { HeraldError } from '../protocol/errors.js';

/**
 * Only the console's own files run and load (no inline script, no CDN), nothing may frame it, and
 * requests go nowhere but back to it.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // Not no-referrer: under it Chromium sends `Origin: null` with form posts, and the origin check needs it.
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function securityHeaders(res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** An error of a console route as JSON: its HTTP status and message; anything unexpected is a 500. */
export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof HeraldError ? err : new HeraldError('internal');
  if (res.headersSent) res.end();
  else sendJson(res, e.status, { error: e.message });
}

/** A JSON object body under the HTTP API's own limits (size, time, depth). */
export async function readJson(
  req: IncomingMessage,
  config: HeraldConfig,
  maxBytes = config.maxHttpBodyBytes,
): Promise<Record<string, unknown>> {
  const body = await readBody(req, { maxBytes, timeoutMs: config.httpBodyTimeout * 1000 });
  return parseJsonObject(body.bytes, config.maxJsonDepth);
}

/** True for a browser asking for a page, as opposed to a script asking for data. */
export function wantsHtml(req: IncomingMessage): boolean {
  return req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
}
