/**
 * Turns server events into log lines. Connection open/close at debug level (app, socket id, close code,
 * duration); refusals of bad input at debug. Payloads only with `log.debugPayloads`, never secrets or
 * signatures. Every line here is one a client can cause, so all go through the per-connection and
 * per-IP limits of `ClientLog`.
 */
import type { ServerEvents } from '../events/server-events.js';
import type { ClientLog } from './client-log.js';
import type { Logger } from './logger.js';

export function logServerEvents(
  events: ServerEvents,
  logger: Logger,
  log: ClientLog,
  debugPayloads: boolean,
): () => void {
  const offs: (() => void)[] = [];
  if (logger.isLevelEnabled('debug')) {
    offs.push(
      events.on('connection_opened', (e) =>
        log.debug(
          { ip: e.ip, socketId: e.socketId },
          { app: e.appId, socketId: e.socketId, ip: e.ip, transport: e.transport },
          'connection opened',
        ),
      ),
      events.on('connection_closed', (e) =>
        log.debug(
          { ip: e.ip ?? '', socketId: e.socketId },
          {
            app: e.appId,
            socketId: e.socketId,
            code: e.code,
            durationMs: e.durationMs,
            transport: e.transport,
          },
          'connection closed',
        ),
      ),
      events.on('connection_refused', (e) =>
        log.debug({ ip: e.ip ?? '' }, { key: e.appKey, code: e.code }, 'connection refused'),
      ),
      events.on('error', (e) =>
        log.debug(
          { ip: e.ip ?? '', ...(e.socketId === undefined ? {} : { socketId: e.socketId }) },
          {
            app: e.appId,
            socketId: e.socketId,
            code: e.code,
            message: errorHeadline(e.message, debugPayloads),
          },
          'client error',
        ),
      ),
    );
    if (debugPayloads) {
      offs.push(
        events.on('client_event', (e) =>
          log.debug(
            { ip: e.ip ?? '', socketId: e.socketId },
            { app: e.appId, channel: e.channel, event: e.event, data: e.data },
            'client event',
          ),
        ),
      );
    }
  }
  offs.push(
    events.on('slow_consumer', (e) =>
      log.warn(
        { ip: e.ip ?? '', socketId: e.socketId },
        { app: e.appId, socketId: e.socketId, bufferedBytes: e.bufferedBytes },
        'slow consumer closed',
      ),
    ),
  );
  return () => {
    for (const off of offs) off();
  };
}

/**
 * Error messages echo what the client sent (a bad signature, the string it should have signed, user
 * data): keep only the headline before the first colon unless payload logging is on.
 */
export function errorHeadline(message: string, debugPayloads: boolean): string {
  if (debugPayloads) return message;
  const i = message.indexOf(':');
  return i < 0 ? message : message.slice(0, i);
}
