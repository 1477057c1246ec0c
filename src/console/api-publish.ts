/**
 * The event creator: an event typed into the page goes through the HTTP API's own path (validation,
 * limits, rate limit, publish), authenticated by the console's token instead of an app signature.
 */

import type { HeraldConfig } from '../config/config.js';
import type { HttpApi } from '../http-api/router.js';
import { HeraldError } from '../protocol/errors.js';
import { readJson, sendJson } from './http.js';
import type { ConsoleRoute } from './server.js';

export function publishRoute(api: HttpApi, config: HeraldConfig): ConsoleRoute {
  return async (req, res, url) => {
    if (req.method !== 'POST' || url.pathname !== '/api/publish') return false;
    const body = await readJson(req, config);
    const app = body['app'];
    if (typeof app !== 'string' || app === '') throw new HeraldError('badRequest', 'Missing app');
    // The rest is exactly a POST /events body: name, data, channel(s), socket_id.
    const { app: _app, ...event } = body;
    const result = await api.publish(app, event, res);
    sendJson(res, 200, result);
    return true;
  };
}
