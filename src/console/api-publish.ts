/**
 * The event creator: an event typed into the page goes through the HTTP API's own path (validation,
 * limits, rate limit, publish), authenticated by the console's token instead of an app signature.
 */

import { parseJsonObject, readBody } from '../http-api/body.js';
import type { HttpApi } from '../http-api/router.js';
import { HeraldError } from '../protocol/errors.js';
import { sendJson } from './http.js';
import type { ConsoleRoute } from './server.js';

export function publishRoute(api: HttpApi, maxBodyBytes: number): ConsoleRoute {
  return async (req, res, url) => {
    if (req.method !== 'POST' || url.pathname !== '/api/publish') return false;
    const body = parseJsonObject(await readBody(req, maxBodyBytes));
    const app = body['app'];
    if (typeof app !== 'string' || app === '') throw new HeraldError('badRequest', 'Missing app');
    // The rest is exactly a POST /events body: name, data, channel(s), socket_id.
    const { app: _app, ...event } = body;
    const result = await api.publish(app, event, res);
    sendJson(res, 200, result);
    return true;
  };
}
