/** Reads a request body up to a byte limit (413 past it) and parses JSON bodies (400 when malformed). */
import type { IncomingMessage } from 'node:http';
import { HeraldError } from '../protocol/errors.js';
import { parseJson } from '../protocol/json-depth.js';

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(
      new HeraldError('payloadTooLarge', `Request body over the limit of ${limit} bytes`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: HeraldError) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        // Keep reading (and dropping) the rest so the 413 can be answered on a reusable connection.
        fail(new HeraldError('payloadTooLarge', `Request body over the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    // A client that goes away mid-body is the client's error, not a 500 of ours.
    const aborted = () => fail(new HeraldError('badRequest', 'Request aborted before its body was complete'));
    req.on('error', aborted);
    req.on('close', () => {
      if (!req.complete) aborted();
    });
  });
}

export function parseJsonObject(body: Buffer, maxDepth: number): Record<string, unknown> {
  const result = parseJson(body.length === 0 ? '{}' : body.toString('utf8'), maxDepth);
  if (!result.ok) {
    throw new HeraldError(
      'badRequest',
      result.reason === 'depth'
        ? `Request body nests deeper than ${maxDepth} levels`
        : 'Request body is not valid JSON',
    );
  }
  const parsed = result.value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HeraldError('badRequest', 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
