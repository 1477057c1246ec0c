/**
 * HTTP API authentication (API-02..API-04) in two steps: the signature covers the query, body_md5
 * included, so it is checked before a byte of the body is read; the body is then held to its body_md5
 * once it has arrived (hashed as it streamed in, src/http-api/body.ts).
 */
import { acceptedSecrets } from '../apps/secrets.js';
import type { AppConfig } from '../config/config.js';
import { HeraldError } from '../protocol/errors.js';
import { apiStringToSign, hmacSha256Hex, safeEqual } from '../protocol/signatures.js';
import type { QueryParams } from './query.js';

export const TIMESTAMP_WINDOW_SECONDS = 600;

export function verifyApiSignature(
  app: AppConfig,
  method: string,
  /** The path as sent, then (when it differs) as decoded: clients disagree on escaping. */
  paths: readonly [string, ...string[]],
  query: QueryParams,
  nowMs: number,
): void {
  const key = query.get('auth_key');
  const timestamp = query.get('auth_timestamp');
  const version = query.get('auth_version');
  const signature = query.get('auth_signature');
  if (!key || !timestamp || !version || !signature) {
    throw new HeraldError(
      'authFailed',
      'Missing auth_key, auth_timestamp, auth_version or auth_signature query parameter',
    );
  }
  if (key !== app.key) throw new HeraldError('authFailed', `Invalid auth_key for app ${app.id}`);
  // Every SDK sends 1.0; Pusher's own verifier (pusher-signature) refuses anything else.
  if (version !== '1.0') throw new HeraldError('authFailed', `Unsupported auth_version: ${version}`);
  const ts = Number(timestamp);
  const now = Math.floor(nowMs / 1000);
  if (!Number.isFinite(ts) || Math.abs(now - ts) >= TIMESTAMP_WINDOW_SECONDS) {
    throw new HeraldError(
      'authFailed',
      `Timestamp expired: Given timestamp (${timestamp}) not within ${TIMESTAMP_WINDOW_SECONDS}s of server time (${now})`,
    );
  }
  // During a rotation's grace period the previous secret signs too.
  for (const secret of acceptedSecrets(app, nowMs)) {
    for (const path of paths) {
      if (safeEqual(signature, hmacSha256Hex(secret, apiStringToSign(method, path, query)))) return;
    }
  }
  throw new HeraldError(
    'authFailed',
    `Invalid signature: you should have sent HmacSHA256Hex(${JSON.stringify(apiStringToSign(method, paths[0], query))}, your_secret_key), but you sent "${signature}"`,
  );
}

/** The body against the signed body_md5; a body without one is refused (API-04). */
export function verifyBodyMd5(query: QueryParams, body: { bytes: Buffer; md5: string }): void {
  const bodyMd5 = query.get('body_md5');
  if (bodyMd5 !== null) {
    if (!safeEqual(bodyMd5, body.md5))
      throw new HeraldError('authFailed', 'body_md5 does not match the request body');
  } else if (body.bytes.length > 0) {
    throw new HeraldError('authFailed', 'body_md5 is required for requests with a body');
  }
}
