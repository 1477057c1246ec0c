/**
 * The admin HTTP API of apps, served on the console's listener behind the console's token (it is a
 * `ConsoleRoute`): the same operations as `herald apps`, as JSON.
 *
 *   GET    /api/apps                    { store, writable, apps: AppView[] }
 *   GET    /api/apps/{id}               AppView
 *   POST   /api/apps                    settings → 201 AppConfig (the only answer with the secret…)
 *   PATCH  /api/apps/{id}               settings → AppView
 *   POST   /api/apps/{id}/disable       AppView            POST /api/apps/{id}/enable   AppView
 *   POST   /api/apps/{id}/rotate-secret { graceSeconds? } → AppConfig (…and this one)
 *   DELETE /api/apps/{id}               204
 *
 * Refusals: 400 invalid input (unknown option, invalid id), 404 unknown app, 409 duplicate id or key
 * or a read-only store, 503 the store cannot be reached. Bodies are `{ "error": message }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../console/http.js';
import { parseJsonObject, readBody } from '../http-api/body.js';
import { HeraldError } from '../protocol/errors.js';
import { type AppAdmin, DEFAULT_GRACE_SECONDS } from './app-admin.js';
import { AppStoreError, type AppStoreErrorKind } from './app-store.js';

export type AdminRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

const STATUS: Record<AppStoreErrorKind, number> = {
  invalid: 400,
  notFound: 404,
  duplicate: 409,
  readOnly: 409,
  unavailable: 503,
};

const MAX_BODY = 64 * 1024;
const MAX_DEPTH = 16;

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) res.writeHead(status, { 'Cache-Control': 'no-store' }).end();
  else sendJson(res, status, body);
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  return parseJsonObject((await readBody(req, { maxBytes: MAX_BODY, timeoutMs: 10_000 })).bytes, MAX_DEPTH);
}

function refuse(res: ServerResponse, err: unknown, store: string): void {
  if (err instanceof AppStoreError) send(res, STATUS[err.kind], { error: err.message });
  else if (err instanceof HeraldError) send(res, err.status, { error: err.message });
  else send(res, 503, { error: `The app store (${store}) cannot be reached: ${(err as Error).message}` });
}

/** The route; `admin` works on the configured store. */
export function adminApiRoute(admin: AppAdmin): AdminRoute {
  return async (req, res, url) => {
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'api' || parts[1] !== 'apps' || parts.length > 4) return false;
    let id: string | undefined;
    try {
      id = parts[2] === undefined ? undefined : decodeURIComponent(parts[2]);
    } catch {
      send(res, 400, { error: 'Malformed app id in the path' });
      return true;
    }
    const action = parts[3];
    const m = req.method ?? 'GET';
    try {
      if (id === undefined) {
        if (m === 'GET') {
          send(res, 200, {
            store: admin.source.description,
            writable: admin.source.writable,
            apps: await admin.list(),
          });
        } else if (m === 'POST') {
          send(res, 201, await admin.add(await body(req)));
        } else return methodNotAllowed(req, res, 'GET, POST');
        return true;
      }
      if (action === undefined) {
        if (m === 'GET') send(res, 200, await admin.show(id));
        else if (m === 'PATCH') send(res, 200, await admin.update(id, await body(req)));
        else if (m === 'DELETE') {
          await admin.remove(id);
          send(res, 204);
        } else return methodNotAllowed(req, res, 'GET, PATCH, DELETE');
        return true;
      }
      if (m !== 'POST') return methodNotAllowed(req, res, 'POST');
      if (action === 'disable' || action === 'enable') {
        req.resume();
        send(res, 200, await admin.setEnabled(id, action === 'enable'));
      } else if (action === 'rotate-secret') {
        const grace = (await body(req))['graceSeconds'] ?? DEFAULT_GRACE_SECONDS;
        if (typeof grace !== 'number')
          throw new AppStoreError('invalid', 'graceSeconds: expected a number of seconds');
        send(res, 200, await admin.rotateSecret(id, grace));
      } else {
        req.resume();
        send(res, 404, { error: `Unknown app action: ${action}` });
      }
    } catch (err) {
      refuse(res, err, admin.source.description);
    }
    return true;
  };
}

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): true {
  req.resume();
  res.setHeader('Allow', allow);
  send(res, 405, { error: `Use ${allow}` });
  return true;
}
