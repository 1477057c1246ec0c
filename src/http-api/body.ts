/**
 * Reads a request body up to a byte limit (413 past it) and a deadline (408 past it), hashing it as it
 * arrives so body_md5 is checked without a second pass; parses JSON bodies (400 when malformed).
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HeraldError } from '../protocol/errors.js';
import { parseJson } from '../protocol/json-depth.js';
import { md5Hex } from '../protocol/signatures.js';

export interface Body {
  readonly bytes: Buffer;
  /** Hex MD5 of `bytes`. */
  readonly md5: string;
}

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

function tooLarge(limit: number): HeraldError {
  return new HeraldError('payloadTooLarge', `Request body over the limit of ${limit} bytes`);
}

/** 413 from the declared Content-Length alone, before a byte of the body is read. */
export function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
}

export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Body> {
  const limit = limits.maxBytes;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Most bodies come in one chunk: those are hashed in one shot at the end; a second chunk starts a
    // running hash that takes each chunk as it arrives.
    let hash: Hash | null = null;
    let size = 0;
    let settled = false;
    const timer = setTimeout(
      () =>
        fail(
          new HeraldError(
            'requestTimeout',
            `Request body not received within ${Math.round(limits.timeoutMs / 1000)} s`,
          ),
        ),
      limits.timeoutMs,
    );
    const fail = (err: HeraldError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      chunks.length = 0;
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        fail(tooLarge(limit));
        return;
      }
      if (hash) hash.update(chunk);
      else if (chunks.length === 1) hash = createHash('md5').update(chunks[0]!).update(chunk);
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      resolve({ bytes, md5: hash ? hash.digest('hex') : md5Hex(bytes) });
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
