/**
 * What an app change does on this node, wherever it came from (CLI, admin API, SQL, a reload, another
 * node): a disabled app's connections close with 4003, a removed app's with 4001; otherwise each
 * connection sees the new settings (limits apply to its next event) and webhooks use the new
 * targets from the next batch on. A new app needs nothing: the next lookup finds it.
 */
import type { Hub } from '../connections/hub.js';
import { closeWith } from '../connections/wire-errors.js';
import type { Logger } from '../logging/logger.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import type { AppUpdate } from './app-cache.js';

export function applyAppUpdate(hub: Hub, webhooks: Webhooks | null, logger: Logger, u: AppUpdate): void {
  webhooks?.setApp(u.id, u.after);
  if (!u.before) return;
  const conns = [...hub.connectionsOf(u.id)];
  if (!u.after?.enabled) {
    if (conns.length > 0) {
      logger.info(
        { app: u.id, connections: conns.length },
        u.after
          ? 'app disabled: closing its connections (4003)'
          : 'app removed: closing its connections (4001)',
      );
    }
    for (const conn of conns) {
      if (conn.closed) continue;
      if (u.after) closeWith(conn, 'appDisabled');
      else closeWith(conn, 'unknownApp', `Application ${u.before.key} was removed`);
    }
    return;
  }
  for (const conn of conns) conn.app = u.after;
  logger.info({ app: u.id, connections: conns.length }, 'app updated');
}
