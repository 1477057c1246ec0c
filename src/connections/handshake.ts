/** Decides whether an upgrade becomes a connection (WS-01..WS-10). Pure apart from the app lookup. */
import type { AppStore } from '../apps/app-store.js';
import type { AppConfig, HeraldConfig } from '../config/config.js';
import { type ErrorKindName, HeraldError } from '../protocol/errors.js';

export type Handshake = { ok: true; app: AppConfig; protocol: number } | { ok: false; error: HeraldError };

const refuse = (kind: ErrorKindName, detail?: string): Handshake => ({
  ok: false,
  error: new HeraldError(kind, detail),
});

/** The app key of a WebSocket path (`{prefix}/app/{key}`), or null when the path is not one. */
export function appKeyFromPath(pathname: string, prefix: string): string | null {
  if (prefix && !pathname.startsWith(prefix)) return null;
  const rest = pathname.slice(prefix.length);
  const m = /^\/app\/([^/]+)\/?$/.exec(rest);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    // Malformed percent-encoding: no app has that key, so it is an unknown app (4001), not a 500.
    return m[1]!;
  }
}

export async function checkHandshake(
  config: HeraldConfig,
  apps: AppStore,
  url: URL,
  secure: boolean,
  counts: { node: number; app: (appId: string) => number },
): Promise<Handshake> {
  const key = appKeyFromPath(url.pathname, config.pathPrefix);
  if (key === null) return refuse('pathNotFound', `Path not found: ${url.pathname}`);

  const protocolParam = url.searchParams.get('protocol');
  let protocol = 7;
  if (protocolParam === null || protocolParam === '') {
    if (config.strictProtocol) return refuse('noProtocol');
  } else {
    if (!/^\d+$/.test(protocolParam))
      return refuse('invalidVersion', `Invalid version string format: ${protocolParam}`);
    protocol = Number(protocolParam);
    if (protocol < 4 || protocol > 7)
      return refuse('unsupportedProtocol', `Unsupported protocol version ${protocol}`);
  }

  let app: AppConfig | undefined;
  try {
    app = await apps.byKey(key);
  } catch (err) {
    // The app store is down and this key is not in its cache: a retryable refusal, not a crash.
    if (err instanceof HeraldError) return { ok: false, error: err };
    throw err;
  }
  if (!app) {
    return refuse(
      'unknownApp',
      `App key ${key} does not exist. Check the key and the host your client connects to.`,
    );
  }
  if (!app.enabled) return refuse('appDisabled');
  if (app.requireTls && !secure) return refuse('tlsRequired');
  if (config.maxConnections > 0 && counts.node >= config.maxConnections) return refuse('overCapacity');
  if (app.limits.maxConnections > 0 && counts.app(app.id) >= app.limits.maxConnections)
    return refuse('overQuota');
  return { ok: true, app, protocol };
}
