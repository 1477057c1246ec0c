/**
 * Composition root: builds one Herald node from a validated configuration. Nothing else constructs
 * implementations; every seam (adapter, app store, logger, clock) can be passed in.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Adapter } from './adapters/adapter.js';
import { IpcAdapter } from './adapters/ipc-adapter.js';
import { isIpcWorker, processPort } from './adapters/ipc-ops.js';
import { LocalAdapter } from './adapters/local-adapter.js';
import { RedisAdapter } from './adapters/redis-adapter.js';
import { adminApiRoute } from './apps/admin-api.js';
import { AppAdmin } from './apps/app-admin.js';
import { AppCache } from './apps/app-cache.js';
import type { AppSource, AppStore } from './apps/app-store.js';
import { applyAppUpdate } from './apps/app-updates.js';
import { FileAppSource, type ReloadResult } from './apps/file-source.js';
import { type FileReload, openAppSource } from './apps/open-source.js';
import { Announcer } from './channels/announcer.js';
import { SubscriptionCounter } from './channels/subscription-count.js';
import type { HeraldConfig } from './config/config.js';
import { FdWatch } from './connections/fd-limit.js';
import { HttpSessions } from './connections/http-sessions.js';
import { Hub } from './connections/hub.js';
import { LivenessSweep } from './connections/liveness.js';
import { MemoryRateLimiter } from './connections/rate-limiter.js';
import { WsServer } from './connections/ws-server.js';
import { HeraldConsole } from './console/console.js';
import type { ConsoleRoute } from './console/server.js';
import { ServerEvents } from './events/server-events.js';
import { historyBackends } from './history/backends.js';
import { History } from './history/history.js';
import { HttpApi } from './http-api/router.js';
import { ClientLog } from './logging/client-log.js';
import { logServerEvents } from './logging/event-log.js';
import { createLogger, type Logger } from './logging/logger.js';
import { answerPrimary } from './metrics/cluster.js';
import { HeraldMetrics } from './metrics/metrics.js';
import { type MetricsServer, serveMetrics } from './metrics/server.js';
import type { NodeContext } from './node-context.js';
import type { WebhookQueue } from './webhooks/webhook-queue.js';
import { defaultWebhookQueue, Webhooks } from './webhooks/webhooks.js';

export interface HeraldDeps {
  adapter?: Adapter;
  /** A lookup-only store used as is (no cache, no admin operations). */
  appStore?: AppStore;
  /** Where apps live; default: `appStore.driver` (the config's apps, PostgreSQL or MySQL). */
  appSource?: AppSource;
  /** How the file store re-reads the configuration on SIGHUP or a file change. */
  fileReload?: FileReload;
  logger?: Logger;
  /** Milliseconds since the epoch; injectable for signature-timestamp tests. */
  clock?: () => number;
  /** Where webhook batches wait; default: Redis when adapter.redisUrl is set, else in memory. */
  webhookQueue?: WebhookQueue;
  /** Extra routes on the console listener, behind its token (see `ConsoleRoute`). */
  consoleRoutes?: readonly ConsoleRoute[];
}

export interface ListenResult {
  port: number;
  host: string;
  /** The bound metrics port when `metrics.enabled`. */
  metricsPort?: number;
  /** The console's URL and port when `console.enabled`. */
  console?: { url: string; port: number };
}

export interface Herald {
  readonly config: HeraldConfig;
  readonly events: ServerEvents;
  readonly adapter: Adapter;
  /** Live connections on this node. */
  readonly connectionCount: number;
  listen(): Promise<ListenResult>;
  /** The console's token (printed in the banner when `generated`), or null when the console is off. */
  readonly console: {
    readonly token: string;
    readonly generated: boolean;
    /** True while the console taps the event stream: only while someone watches. */
    readonly tapping: boolean;
  } | null;
  /** Webhook delivery, or null when no app has a webhook target. */
  readonly webhooks: Webhooks | null;
  /** List and change apps in the configured store (admin API, console). */
  readonly apps: AppAdmin;
  /** File store: re-reads the configuration (SIGHUP). Other stores change without it. */
  reloadApps(): ReloadResult;
  /** Graceful stop: refuse new work, 4200 to clients (spread over shutdownTimeout), flush, close adapter. */
  close(): Promise<void>;
}

function defaultAdapter(
  config: HeraldConfig,
  now: () => number,
  logger: Logger,
  events: ServerEvents,
): Adapter {
  if (config.adapter.driver === 'redis' && config.adapter.redisUrl) {
    return new RedisAdapter({
      url: config.adapter.redisUrl,
      prefix: config.adapter.prefix,
      nodeTimeout: config.adapter.nodeTimeout,
      logger,
      events,
    });
  }
  if (isIpcWorker()) return new IpcAdapter(processPort(), logger);
  return new LocalAdapter(now);
}

export function createHerald(config: HeraldConfig, deps: HeraldDeps = {}): Herald {
  const now = deps.clock ?? Date.now;
  const logger = deps.logger ?? createLogger(config.log.level);
  const events = new ServerEvents();
  const adapter = deps.adapter ?? defaultAdapter(config, now, logger, events);
  const source = deps.appSource ?? openAppSource(config, logger, deps.fileReload);
  const cache = new AppCache(source, config.appStore.cacheTtl * 1000, logger, now);
  const apps: AppStore = deps.appStore ?? cache;
  const admin = new AppAdmin(source, now, (id) => cache.wrote(id));
  const subscriptionCounts = new SubscriptionCounter(adapter, events, now);

  // The adapter writes this node's share into the registry; the hub delivers from it.
  const registry = adapter.registry;
  const hub = new Hub(events, registry);
  const announcer = new Announcer({ broker: adapter, events, hub, subscriptionCounts, apps });
  const clientLog = new ClientLog(logger, now);
  const backends = historyBackends(
    config,
    now,
    deps.adapter === undefined && isIpcWorker() && !config.adapter.redisUrl,
  );
  const history = new History(backends.history, {
    adapter,
    hub,
    events,
    logger,
    now,
    appById: (id) => apps.byId(id),
  });
  const ctx: NodeContext = {
    config,
    adapter,
    apps,
    hub,
    registry,
    events,
    logger,
    clientLog,
    now,
    subscriptionCounts,
    announcer,
    history,
    idempotency: backends.idempotency,
  };

  const stopLogging = logServerEvents(events, logger, clientLog, config.log.debugPayloads);
  const metrics = config.metrics.enabled ? new HeraldMetrics(events, hub) : null;
  // Under --workers the primary serves /metrics for all workers (src/metrics/cluster.ts).
  const metricsViaPrimary = config.workers > 1 && cluster.isWorker;
  if (metrics && metricsViaPrimary) answerPrimary(metrics.registry);
  let metricsServer: MetricsServer | null = null;
  // Apps from a database may gain webhook targets at any time; the file's are known now.
  const dynamicApps = !(source instanceof FileAppSource);
  const initialApps = dynamicApps ? [] : config.apps;
  const webhooks =
    dynamicApps || config.apps.some((a) => a.webhooks.length > 0)
      ? new Webhooks({
          config,
          apps: initialApps,
          dynamicApps,
          events,
          queue: deps.webhookQueue ?? defaultWebhookQueue(config, logger),
          logger,
          now,
          userAgent: 'Herald',
        })
      : null;
  cache.onUpdate((u) => {
    if (!webhooks && u.after && u.after.webhooks.length > 0 && u.before?.webhooks.length === 0) {
      logger.warn(
        { app: u.id },
        'webhook targets added to a node started without any: restart it to send them',
      );
    }
    applyAppUpdate(hub, webhooks, logger, u);
  });
  let draining = false;
  // One per-IP connection rate for WebSockets and HTTP sessions alike.
  const ipLimiter = new MemoryRateLimiter(1000, now);
  const ws = new WsServer(ctx, ipLimiter);
  const sessions = config.httpTransports.enabled
    ? new HttpSessions(ctx, ipLimiter, config.ssl !== undefined)
    : null;
  const fdWatch = new FdWatch(logger, now);
  const api = new HttpApi(ctx, {
    isReady: () => !draining,
    apiLimiter: new MemoryRateLimiter(1000, now),
    fileDescriptors: () => fdWatch.exhaustion(),
  });
  const heraldConsole = config.console.enabled
    ? new HeraldConsole({
        ctx,
        api,
        webhooks,
        listApps: () => admin.source.list(),
        extraRoutes: [adminApiRoute(admin), ...(deps.consoleRoutes ?? [])],
      })
    : null;
  const liveness = new LivenessSweep(config, () => hub.allConnections(), now, sessions ? [sessions] : []);

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (!sessions?.handle(req, res)) api.handle(req, res);
  };
  // Slow clients are cut by deadlines, not held: headers within httpHeadersTimeout (Node answers 408);
  // the API enforces the body deadline itself, and requestTimeout is only the backstop behind both.
  // Node checks these on an interval (30 s by default), so check every second to keep them exact.
  const timeouts = {
    headersTimeout: config.httpHeadersTimeout * 1000,
    requestTimeout: (config.httpHeadersTimeout + config.httpBodyTimeout + 1) * 1000,
    connectionsCheckingInterval: 1000,
  };
  let server: Server;
  if (config.ssl) {
    server = createHttpsServer(
      {
        ...timeouts,
        cert: readFileSync(config.ssl.cert),
        key: readFileSync(config.ssl.key),
        ...(config.ssl.passphrase ? { passphrase: config.ssl.passphrase } : {}),
        ...(config.ssl.ca ? { ca: readFileSync(config.ssl.ca) } : {}),
      },
      onRequest,
    );
  } else {
    server = createHttpServer(timeouts, onRequest);
  }
  server.keepAliveTimeout = 65_000;
  server.on('connection', (socket: Socket) => fdWatch.track(socket));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    (socket as Socket).setNoDelay?.(true);
    ws.handleUpgrade(req, socket, head, config.ssl !== undefined);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });

  let closing: Promise<void> | null = null;

  return {
    config,
    events,
    adapter,
    webhooks,
    apps: admin,
    reloadApps() {
      return source instanceof FileAppSource ? source.reload() : { ok: true, changed: 0 };
    },
    console: heraldConsole,
    get connectionCount() {
      return hub.connectionCount;
    },
    async listen() {
      await cache.start();
      await backends.start();
      // The sequencer stands between the adapter and the hub: history channels arrive in serial order;
      // what the adapter learns of dead nodes and write-backs goes straight to the announcer.
      await adapter.start(history.sequencer.beforeHub(), announcer);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          // After listening, accept() failures arrive here; one must not end the process.
          server.on('error', (err: NodeJS.ErrnoException) => {
            if (!fdWatch.note(err)) logger.error({ err }, 'server error');
          });
          resolve();
        });
      });
      liveness.start();
      webhooks?.start();
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      logger.info({ host: config.host, port, tls: config.ssl !== undefined }, 'Herald listening');
      const result: ListenResult = { port, host: config.host };
      if (metrics && !metricsViaPrimary) {
        metricsServer = await serveMetrics(metrics, config.metrics.host, config.metrics.port);
        logger.info({ host: metricsServer.host, port: metricsServer.port }, 'metrics on /metrics');
        result.metricsPort = metricsServer.port;
      }
      if (heraldConsole) {
        const listener = await heraldConsole.listen();
        logger.info({ host: listener.host, port: listener.port }, 'console listening');
        result.console = { url: listener.url, port: listener.port };
      }
      return result;
    },
    close() {
      closing ??= (async () => {
        draining = true;
        ws.stopAccepting();
        sessions?.stopAccepting();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await ws.drain(config.shutdownTimeout * 1000);
        await ws.closeAll(5000);
        await sessions?.closeAll();
        liveness.stop();
        fdWatch.stop();
        subscriptionCounts.close();
        ws.close();
        server.closeAllConnections();
        await serverClosed;
        await webhooks?.close();
        await adapter.close();
        await cache.close();
        await history.close();
        await backends.close();
        // Metrics stay scrapeable through the drain and stop last.
        await metricsServer?.close();
        metrics?.stop();
        await heraldConsole?.close();
        stopLogging();
        logger.info('Herald stopped');
      })();
      return closing;
    },
  };
}
