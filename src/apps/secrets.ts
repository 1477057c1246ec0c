/**
 * App credentials: the secrets a signature may be made with (the current one, and the previous one
 * during a rotation's grace period), and fresh random keys and secrets.
 */
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/config.js';
import { type AuthCheck, verifyAuth } from '../protocol/signatures.js';

/** The current secret first, then the previous one while its grace period lasts. */
export function acceptedSecrets(app: AppConfig, nowMs: number): readonly string[] {
  if (app.previousSecret === undefined || app.previousSecretExpiresAt === undefined) return [app.secret];
  return Date.parse(app.previousSecretExpiresAt) > nowMs ? [app.secret, app.previousSecret] : [app.secret];
}

/** `verifyAuth` against every accepted secret; a failure reports what the current secret expects. */
export function verifyAppAuth(app: AppConfig, auth: unknown, stringToSign: string, nowMs: number): AuthCheck {
  const secrets = acceptedSecrets(app, nowMs);
  const first = verifyAuth(auth, app.key, secrets[0]!, stringToSign);
  if (first.ok || secrets.length === 1 || first.reason !== 'signature') return first;
  const second = verifyAuth(auth, app.key, secrets[1]!, stringToSign);
  return second.ok ? second : first;
}

/** A random credential: 20 hex characters for keys, 40 for secrets (Pusher's lengths). */
export function randomCredential(bytes: 10 | 20): string {
  return randomBytes(bytes).toString('hex');
}

/** The app after a rotation: a new secret, the old one accepted until `graceMs` from now. */
export function rotated(app: AppConfig, nowMs: number, graceMs: number): AppConfig {
  const next: AppConfig = { ...app, secret: randomCredential(20) };
  if (graceMs > 0) {
    next.previousSecret = app.secret;
    next.previousSecretExpiresAt = new Date(nowMs + graceMs).toISOString();
  } else {
    delete next.previousSecret;
    delete next.previousSecretExpiresAt;
  }
  return next;
}
