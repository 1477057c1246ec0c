/**
 * soketi's settings → a Herald configuration, and a report that names every setting read: where it went
 * in Herald, or why it does not apply. The result is plain config input; the CLI validates it with
 * Herald's own schema before writing it.
 */
import { APP_DEFAULTS, mapApp } from './apps.js';
import { type SoketiOptions, soketiApps } from './options.js';
import { ImportReport } from './report.js';

export interface SoketiImport {
  config: Record<string, unknown>;
  report: ImportReport;
}

type Handler = (value: unknown, key: string) => void;

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    cur[part] ??= {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};
const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';
const str = (v: unknown, fallback: string) => (typeof v === 'string' && v !== '' ? v : fallback);

/** soketi's Redis connection settings as one Herald Redis URL. */
function redisUrl(o: SoketiOptions): string {
  const user = o.get('database.redis.username');
  const pass = o.get('database.redis.password');
  const auth =
    typeof pass === 'string' && pass !== ''
      ? `${typeof user === 'string' ? encodeURIComponent(user) : ''}:${encodeURIComponent(pass)}@`
      : '';
  const nodes = (list: unknown) =>
    (Array.isArray(list) ? list : [])
      .map((n) =>
        typeof n === 'string' ? n : `${(n as { host?: string }).host}:${(n as { port?: number }).port}`,
      )
      .join(',');
  const sentinels = o.get('database.redis.sentinels');
  if (Array.isArray(sentinels) && sentinels.length > 0) {
    return `redis-sentinel://${auth}${nodes(sentinels)}/${str(o.get('database.redis.name'), 'mymaster')}`;
  }
  const cluster = o.get('database.redis.clusterNodes');
  if (truthy(o.get('adapter.redis.clusterMode')) && Array.isArray(cluster) && cluster.length > 0) {
    return `redis-cluster://${auth}${nodes(cluster)}`;
  }
  const host = str(o.get('database.redis.host'), '127.0.0.1');
  const port = num(o.get('database.redis.port')) ?? 6379;
  const db = num(o.get('database.redis.db')) ?? 0;
  return `redis://${auth}${host}:${port}${db ? `/${db}` : ''}`;
}

function sqlUrl(o: SoketiOptions, kind: 'mysql' | 'postgres'): string {
  const d = (k: string) => o.get(`database.${kind}.${k}`);
  const user = encodeURIComponent(str(d('user'), kind === 'mysql' ? 'root' : 'postgres'));
  const pass =
    typeof d('password') === 'string' && d('password') !== ''
      ? `:${encodeURIComponent(d('password') as string)}`
      : '';
  const host = str(d('host'), '127.0.0.1');
  const port = num(d('port')) ?? (kind === 'mysql' ? 3306 : 5432);
  return `${kind}://${user}${pass}@${host}:${port}/${encodeURIComponent(str(d('database'), 'main'))}`;
}

export function importSoketi(o: SoketiOptions): SoketiImport {
  const report = new ImportReport();
  const config: Record<string, unknown> = {};
  const set = (path: string, value: unknown) => setPath(config, path, value);

  const usesRedis = ['adapter.driver', 'queue.driver', 'cache.driver', 'rateLimiter.driver'].some(
    (k) => o.get(k) === 'redis',
  );
  const appDriver = str(o.get('appManager.driver'), 'array');
  const sqlDriver = appDriver === 'mysql' || appDriver === 'postgres' ? appDriver : null;

  const na =
    (reason: string): Handler =>
    (_v, key) =>
      report.notApplicable(key, reason);
  const copy =
    (herald: string, convert: (v: unknown) => unknown = (v) => v, reason = ''): Handler =>
    (v, key) => {
      const value = convert(v);
      if (value === undefined)
        return report.notApplicable(key, `value ${JSON.stringify(v)} not understood; Herald's default kept`);
      set(herald, value);
      report.mapped(key, herald, reason);
    };
  const redisPart: Handler = (_v, key) =>
    usesRedis
      ? report.mapped(key, 'adapter.redisUrl', 'part of the Redis URL')
      : report.notApplicable(key, 'no soketi driver used Redis');
  const sqlPart =
    (kind: 'mysql' | 'postgres'): Handler =>
    (_v, key) =>
      sqlDriver === kind
        ? report.mapped(key, 'appStore.url', 'part of the database URL')
        : report.notApplicable(key, `soketi's app manager did not use ${kind} either`);

  const handlers: [RegExp | string, Handler][] = [
    ['host', copy('host', (v) => (typeof v === 'string' ? v : undefined))],
    ['port', copy('port', num)],
    ['pathPrefix', copy('pathPrefix', (v) => (typeof v === 'string' ? v : undefined))],
    ['debug', copy('log.level', (v) => (truthy(v) ? 'debug' : 'info'), 'debug on → log level debug')],
    [
      'mode',
      na(
        'Herald has no worker-only or server-only mode: every node serves WebSockets, the HTTP API and webhooks',
      ),
    ],
    [
      'shutdownGracePeriod',
      copy(
        'shutdownTimeout',
        (v) => (num(v) === undefined ? undefined : Math.ceil(num(v)! / 1000)),
        'milliseconds become seconds; Herald spreads 4200 closes over it',
      ),
    ],
    [
      'userAuthenticationTimeout',
      (_v, key) =>
        report.mapped(
          key,
          'apps[*].authorizedConnectionsTimeout',
          'milliseconds become seconds, for apps with enableUserAuthentication',
        ),
    ],
    ...Object.entries(APP_DEFAULTS).map(
      ([option]) =>
        [
          option,
          (_v: unknown, key: string) =>
            report.mapped(
              key,
              'apps[*].limits',
              'soketi’s server-wide default, set on every app without its own value',
            ),
        ] as [string, Handler],
    ),
    ['channelLimits.cacheTtl', copy('cacheTtl', num)],
    [
      'httpApi.requestLimitInMb',
      copy(
        'maxHttpBodyBytes',
        (v) => (num(v) === undefined ? undefined : Math.round(num(v)! * 1024 * 1024)),
        'megabytes become bytes',
      ),
    ],
    [
      /^httpApi\.acceptTraffic\./,
      na(
        'Herald does not refuse traffic by memory use; bound it with maxConnections and limits, and use GET /ready for draining',
      ),
    ],
    [
      'metrics.enabled',
      copy('metrics.enabled', (v) => truthy(v), 'Herald serves metrics by default; soketi did not'),
    ],
    ['metrics.host', copy('metrics.host', (v) => (typeof v === 'string' ? v : undefined))],
    ['metrics.port', copy('metrics.port', num)],
    ['metrics.driver', na('Prometheus is the only format Herald serves')],
    [
      'metrics.prometheus.prefix',
      na(
        'Herald’s metric names are fixed (herald_…); dashboards built on soketi_ metrics need new queries (docs/grafana-dashboard.json)',
      ),
    ],
    ['ssl.certPath', copy('ssl.cert', (v) => (typeof v === 'string' && v !== '' ? v : undefined))],
    ['ssl.keyPath', copy('ssl.key', (v) => (typeof v === 'string' && v !== '' ? v : undefined))],
    ['ssl.passphrase', copy('ssl.passphrase', (v) => (typeof v === 'string' && v !== '' ? v : undefined))],
    ['ssl.caPath', copy('ssl.ca', (v) => (typeof v === 'string' && v !== '' ? v : undefined))],
    [
      'adapter.driver',
      (v, key) => {
        if (v === 'redis') report.mapped(key, 'adapter.redisUrl', 'nodes share state through Redis');
        else if (v === 'local') report.mapped(key, 'adapter.driver', 'local, the default');
        else if (v === 'cluster')
          report.notApplicable(
            key,
            'soketi’s Node-cluster adapter: run one Herald with `herald start --workers N` (processes share through IPC) or several nodes with Redis',
          );
        else
          report.notApplicable(key, `the ${String(v)} adapter: Herald nodes share state through Redis only`);
      },
    ],
    [
      'adapter.redis.prefix',
      copy(
        'adapter.prefix',
        (v) => (typeof v === 'string' && v !== '' ? v : undefined),
        'prefix of Herald’s own keys; Herald does not read soketi’s',
      ),
    ],
    [
      'adapter.redis.clusterMode',
      (v, key) =>
        truthy(v)
          ? report.mapped(key, 'adapter.redisUrl', 'redis-cluster:// URL')
          : report.notApplicable(key, 'off'),
    ],
    [
      /^adapter\.redis\./,
      na('ioredis tuning of soketi’s pub/sub clients; Herald manages its own connections'),
    ],
    [/^adapter\.cluster\./, na('soketi’s Node-cluster adapter is not used (see adapter.driver)')],
    [/^adapter\.nats\./, na('Herald does not use NATS; nodes share state through Redis')],
    [/^database\.redis\./, redisPart],
    [/^database\.mysql\./, sqlPart('mysql')],
    [/^database\.postgres\./, sqlPart('postgres')],
    [/^databasePooling\./, na('Herald sizes its own database pool')],
    [
      'appManager.driver',
      (v, key) => {
        if (v === 'array' || v === undefined) report.mapped(key, 'apps', 'apps in the configuration');
        else if (sqlDriver)
          report.mapped(
            key,
            'appStore',
            `apps read from soketi’s ${sqlDriver} table as it stands (appStore.schema soketi)`,
          );
        else
          report.notApplicable(
            key,
            `the ${String(v)} app manager: Herald reads apps from its configuration, PostgreSQL or MySQL; export the apps into the configuration`,
          );
      },
    ],
    [/^appManager\.array\.apps/, (_v, key) => report.mapped(key, 'apps', 'see the apps below')],
    [
      'appManager.cache.ttl',
      (v, key) => {
        const ttl = num(v);
        if (sqlDriver && ttl !== undefined && ttl > 0) {
          set('appStore.cacheTtl', Math.max(1, Math.round(ttl)));
          report.mapped(key, 'appStore.cacheTtl');
        } else
          report.notApplicable(
            key,
            sqlDriver
              ? 'no TTL set: Herald’s default (60 s) kept'
              : 'apps in the configuration are not cached',
          );
      },
    ],
    ['appManager.cache.enabled', na('Herald always caches apps read from a table (appStore.cacheTtl)')],
    [
      /^appManager\.(mysql|postgres)\.table$/,
      (v, key) => {
        if (sqlDriver && key.startsWith(`appManager.${sqlDriver}.`) && typeof v === 'string') {
          set('appStore.table', v);
          report.mapped(key, 'appStore.table');
        } else report.notApplicable(key, 'that app manager is not used');
      },
    ],
    [
      /^appManager\.(mysql|postgres)\./,
      na('server version hints for soketi’s drivers; Herald detects what it needs'),
    ],
    [/^appManager\.dynamodb\./, na('Herald does not read DynamoDB')],
    [
      'cache.driver',
      na(
        'cache channels live where the adapter keeps state: in memory, or in Redis when adapter.redisUrl is set',
      ),
    ],
    [/^cache\./, na('see cache.driver')],
    [
      /^cluster\./,
      na(
        'soketi’s UDP discovery for its cluster adapter; Herald workers share through IPC and nodes through Redis',
      ),
    ],
    [
      /^cors\./,
      na('the HTTP API is called by server SDKs, which need no CORS; there is nothing to configure'),
    ],
    [/^instance\./, na('soketi’s process id; Herald names nodes itself')],
    [
      'queue.driver',
      (v, key) => {
        if (v === 'redis')
          report.mapped(key, 'adapter.redisUrl', 'webhooks queue in Redis, surviving restarts');
        else if (v === 'sync' || v === undefined)
          report.mapped(key, 'webhooks', 'webhooks queue in memory (Herald retries for 5 minutes)');
        else
          report.notApplicable(key, `the ${String(v)} queue: Herald queues webhooks in memory or in Redis`);
      },
    ],
    [/^queue\./, na('queue tuning of soketi’s webhook workers; Herald sends from every node')],
    [/^rateLimiter\./, na('Herald’s rate limits are counted on each node')],
    [
      'webhooks.batching.enabled',
      (v, key) => {
        if (!truthy(v))
          report.notApplicable(
            key,
            'Herald always batches (up to webhooks.batchSize events per webhooks.batchWindowMs); Pusher-format receivers accept several events per request',
          );
        else report.mapped(key, 'webhooks.batchWindowMs');
      },
    ],
    [
      'webhooks.batching.duration',
      (v, key) => {
        if (truthy(o.get('webhooks.batching.enabled')) && num(v) !== undefined) {
          set('webhooks.batchWindowMs', num(v));
          report.mapped(key, 'webhooks.batchWindowMs');
        } else report.notApplicable(key, 'batching was off in soketi; Herald’s window (250 ms) kept');
      },
    ],
  ];

  for (const [key, value] of o) {
    const handler = handlers.find(([k]) => (typeof k === 'string' ? k === key : k.test(key)))?.[1];
    if (handler) handler(value, key);
    else report.notApplicable(key, 'not a soketi 1.x setting; ignored');
  }

  if (o.get('adapter.driver') === 'redis' || o.get('queue.driver') === 'redis') {
    set('adapter.redisUrl', redisUrl(o));
    if (o.get('adapter.driver') !== 'redis') set('adapter.driver', 'local');
  }
  if (sqlDriver) {
    set('appStore.driver', sqlDriver);
    set('appStore.url', sqlUrl(o, sqlDriver));
    set('appStore.schema', 'soketi');
  }

  const apps = soketiApps(o);
  if (apps && !sqlDriver) {
    const globals = new Map<string, unknown>();
    for (const k of [...Object.keys(APP_DEFAULTS), 'userAuthenticationTimeout'])
      if (o.has(k)) globals.set(k, o.get(k));
    config['apps'] = apps.map((a, i) => mapApp(a, i, globals, report));
  }
  return { config, report };
}
