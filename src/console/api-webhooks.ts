/**
 * The Webhooks page: per target its last attempts (seen while the console watched), the batches
 * waiting to be retried, and the dead letters, with replay doing what `herald webhooks replay` does.
 */
import type { AppConfig, HeraldConfig } from '../config/config.js';
import { HeraldError } from '../protocol/errors.js';
import { targetKeys } from '../webhooks/payload.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import { readJson, sendJson } from './http.js';
import type { ConsoleRoute } from './server.js';
import type { WatchState } from './watch-state.js';

const LIST_LIMIT = 200;

export function webhookRoutes(
  config: HeraldConfig,
  apps: () => readonly AppConfig[],
  webhooks: Webhooks | null,
  state: WatchState,
): ConsoleRoute[] {
  const overview: ConsoleRoute = async (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/api/webhooks') return false;
    const targets = apps().flatMap((app) => {
      const keys = targetKeys(app.id, app.webhooks);
      return app.webhooks.map((t, i) => ({
        app: app.id,
        key: keys[i]!,
        url: t.url,
        events: t.events,
        attempts: state.attemptsOf(keys[i]!),
      }));
    });
    if (!webhooks) {
      sendJson(res, 200, { targets, durable: false, retrying: [], dead: [], watchingSince: state.since });
      return true;
    }
    const [retrying, dead] = await Promise.all([
      webhooks.queue.retrying(LIST_LIMIT),
      webhooks.queue.deadLetters(LIST_LIMIT),
    ]);
    sendJson(res, 200, {
      targets,
      durable: webhooks.queue.durable,
      retrying: retrying.map(({ batch, dueAt }) => ({
        id: batch.id,
        app: batch.appId,
        target: batch.target,
        url: batch.url,
        events: batch.events,
        attempts: batch.attempts,
        lastError: batch.lastError ?? null,
        dueAt,
      })),
      dead: dead.map((d) => ({
        id: d.id,
        app: d.appId,
        target: d.target,
        url: d.url,
        events: d.events,
        attempts: d.attempts,
        reason: d.reason,
        deadAt: d.deadAt,
      })),
      watchingSince: state.since,
    });
    return true;
  };

  const replay: ConsoleRoute = async (req, res, url) => {
    if (req.method !== 'POST' || url.pathname !== '/api/webhooks/replay') return false;
    const body = await readJson(req, config, 64 * 1024);
    if (!webhooks) throw new HeraldError('notFound', 'No webhook target is configured');
    const ids = body['ids'];
    const chosen =
      ids === 'all'
        ? 'all'
        : Array.isArray(ids) && ids.length > 0 && ids.every((i) => typeof i === 'string')
          ? (ids as string[])
          : null;
    if (!chosen) throw new HeraldError('badRequest', 'ids must be "all" or a non-empty array of batch ids');
    const replayed = await webhooks.replay(chosen, body['restamp'] === true);
    const missing = chosen === 'all' ? 0 : chosen.length - replayed;
    sendJson(res, 200, { replayed, missing });
    return true;
  };

  return [overview, replay];
}
