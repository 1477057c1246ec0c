/**
 * The three Pusher signatures (channel auth, user sign-in, HTTP API request) and webhook signing.
 * All comparisons are constant-time. Pure: only node:crypto.
 */
import * as crypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** One-shot `crypto.hash` (Node ≥ 20.12) skips the Hash object; older 20.x fall back to createHash. */
const oneShotHash = (
  crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }
).hash;

export function hmacSha256Hex(secret: string, data: string | Buffer): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

export function md5Hex(data: string | Buffer): string {
  return oneShotHash ? oneShotHash('md5', data, 'hex') : createHash('md5').update(data).digest('hex');
}

/** Constant-time comparison of two strings; unequal lengths are unequal without leaking where. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    // Still spend the comparison so timing does not reveal the expected length cheaply.
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

/**
 * String signed for a channel subscription (CH-06, CH-07): `socket_id:channel`, plus `:channel_data`
 * whenever the subscribe carried it, for every channel type (pusher-js's own suite signs private
 * channels that way).
 */
export function channelStringToSign(socketId: string, channel: string, channelData?: string): string {
  return channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
}

export function userStringToSign(socketId: string, userData: string): string {
  return `${socketId}::user::${userData}`;
}

export function signAuth(key: string, secret: string, stringToSign: string): string {
  return `${key}:${hmacSha256Hex(secret, stringToSign)}`;
}

export type AuthCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'key' | 'signature'; expected: string };

/** Verifies an `auth` value of the form `key:hex` against the string to sign. */
export function verifyAuth(auth: unknown, key: string, secret: string, stringToSign: string): AuthCheck {
  const expected = hmacSha256Hex(secret, stringToSign);
  if (typeof auth !== 'string' || auth.length === 0) return { ok: false, reason: 'missing', expected };
  // The digest is hex, so the last colon ends the key: a key may hold colons of its own.
  const colon = auth.lastIndexOf(':');
  const givenKey = colon < 0 ? auth : auth.slice(0, colon);
  if (givenKey !== key) return { ok: false, reason: 'key', expected };
  const givenSig = colon < 0 ? '' : auth.slice(colon + 1);
  return safeEqual(givenSig, expected) ? { ok: true } : { ok: false, reason: 'signature', expected };
}

/**
 * Canonical query string of an HTTP API request (API-03): every parameter except `auth_signature`,
 * keys lowercased, sorted by key, values already percent-decoded, joined as `k=v` with `&`.
 */
export function canonicalQuery(params: Iterable<[string, string]>): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of params) {
    const key = k.toLowerCase();
    if (key === 'auth_signature') continue;
    pairs.push([key, v]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let out = '';
  for (let i = 0; i < pairs.length; i++) out += `${i === 0 ? '' : '&'}${pairs[i]![0]}=${pairs[i]![1]}`;
  return out;
}

export function apiStringToSign(method: string, path: string, params: Iterable<[string, string]>): string {
  return `${method.toUpperCase()}\n${path}\n${canonicalQuery(params)}`;
}

export function signApiRequest(
  secret: string,
  method: string,
  path: string,
  params: Iterable<[string, string]>,
): string {
  return hmacSha256Hex(secret, apiStringToSign(method, path, params));
}

/** `X-Pusher-Signature` of a webhook body: HMAC-SHA256 of the exact bytes sent (WH-03). */
export function signWebhook(secret: string, body: string | Buffer): string {
  return hmacSha256Hex(secret, body);
}
