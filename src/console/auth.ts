/**
 * Who may use the console: the holder of its token, sent as `Authorization: Bearer <token>` or as the
 * session cookie the login form sets; and only from the console's own origin, so another site open in
 * the same browser can neither read the console nor act through it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { safeEqual } from '../protocol/signatures.js';

/** A fresh token for a console without a configured one: 192 random bits, URL-safe. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

export class ConsoleAuth {
  /** The cookie holds a value derived from the token, never the token itself. */
  private readonly session: string;
  /** Per console port: two nodes' consoles on one host share a cookie jar (cookies ignore ports). */
  readonly cookieName: string;

  constructor(
    private readonly token: string,
    port: number,
  ) {
    this.session = createHmac('sha256', token).update('herald-console-session').digest('base64url');
    this.cookieName = `herald_console_${port}`;
  }

  /** Constant-time check of a token typed into the login form. */
  tokenMatches(candidate: string): boolean {
    return safeEqual(candidate, this.token);
  }

  /** True when the request carries the token (Bearer) or the session cookie. */
  authenticated(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) return safeEqual(header.slice(7).trim(), this.token);
    const cookie = readCookie(req.headers.cookie, this.cookieName);
    return cookie !== undefined && safeEqual(cookie, this.session);
  }

  /** `Set-Cookie` for a successful login: not readable by scripts, never sent by another site. */
  loginCookie(): string {
    return `${this.cookieName}=${this.session}; Path=/; HttpOnly; SameSite=Strict`;
  }

  logoutCookie(): string {
    return `${this.cookieName}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Cross-origin refusal. Browsers label every request: `Origin` on POSTs and cross-origin fetches,
 * `Sec-Fetch-Site` on all of them. A request another site's page made is refused whatever it carries;
 * a top-level navigation from elsewhere (a link in a wiki) is let through to the login form, which the
 * SameSite cookie keeps unauthenticated. Clients that are not browsers (curl, scripts) send neither.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const host = req.headers.host;
  const origin = req.headers.origin;
  if (
    origin !== undefined &&
    (host === undefined || (origin !== `http://${host}` && origin !== `https://${host}`))
  )
    return false;
  const site = req.headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return true;
  return req.method === 'GET' && req.headers['sec-fetch-mode'] === 'navigate';
}
