/**
 * soketi's settings as one flat map of dotted keys (`adapter.redis.prefix`, `appManager.array.apps`),
 * whichever way they were given: its JSON config file (nested objects, dotted keys, or both) or its
 * `SOKETI_*` environment variables (soketi's own variable → option table, values parsed as JSON when
 * they parse, as soketi does).
 */

export type SoketiOptions = Map<string, unknown>;

/** soketi 1.x's `SOKETI_<NAME>` variables and the option each one sets. */
export const SOKETI_ENV: Readonly<Record<string, string>> = {
  ADAPTER_DRIVER: 'adapter.driver',
  ADAPTER_CLUSTER_REQUESTS_TIMEOUT: 'adapter.cluster.requestsTimeout',
  ADAPTER_REDIS_PREFIX: 'adapter.redis.prefix',
  ADAPTER_REDIS_CLUSTER_MODE: 'adapter.redis.clusterMode',
  ADAPTER_REDIS_REQUESTS_TIMEOUT: 'adapter.redis.requestsTimeout',
  ADAPTER_REDIS_SUB_OPTIONS: 'adapter.redis.redisSubOptions',
  ADAPTER_REDIS_PUB_OPTIONS: 'adapter.redis.redisPubOptions',
  ADAPTER_NATS_PREFIX: 'adapter.nats.prefix',
  ADAPTER_NATS_SERVERS: 'adapter.nats.servers',
  ADAPTER_NATS_USER: 'adapter.nats.user',
  ADAPTER_NATS_PASSWORD: 'adapter.nats.pass',
  ADAPTER_NATS_TOKEN: 'adapter.nats.token',
  ADAPTER_NATS_TIMEOUT: 'adapter.nats.timeout',
  ADAPTER_NATS_REQUESTS_TIMEOUT: 'adapter.nats.requestsTimeout',
  ADAPTER_NATS_NODES_NUMBER: 'adapter.nats.nodesNumber',
  APP_MANAGER_DRIVER: 'appManager.driver',
  APP_MANAGER_CACHE_ENABLED: 'appManager.cache.enabled',
  APP_MANAGER_CACHE_TTL: 'appManager.cache.ttl',
  APP_MANAGER_DYNAMODB_TABLE: 'appManager.dynamodb.table',
  APP_MANAGER_DYNAMODB_REGION: 'appManager.dynamodb.region',
  APP_MANAGER_DYNAMODB_ENDPOINT: 'appManager.dynamodb.endpoint',
  APP_MANAGER_MYSQL_TABLE: 'appManager.mysql.table',
  APP_MANAGER_MYSQL_VERSION: 'appManager.mysql.version',
  APP_MANAGER_POSTGRES_TABLE: 'appManager.postgres.table',
  APP_MANAGER_POSTGRES_VERSION: 'appManager.postgres.version',
  APP_MANAGER_MYSQL_USE_V2: 'appManager.mysql.useMysql2',
  CHANNEL_LIMITS_MAX_NAME_LENGTH: 'channelLimits.maxNameLength',
  CHANNEL_CACHE_TTL: 'channelLimits.cacheTtl',
  CACHE_DRIVER: 'cache.driver',
  CACHE_REDIS_CLUSTER_MODE: 'cache.redis.clusterMode',
  CACHE_REDIS_OPTIONS: 'cache.redis.redisOptions',
  CLUSTER_CHECK_INTERVAL: 'cluster.checkInterval',
  CLUSTER_HOST: 'cluster.hostname',
  CLUSTER_IGNORE_PROCESS: 'cluster.ignoreProcess',
  CLUSTER_BROADCAST_ADDRESS: 'cluster.broadcast',
  CLUSTER_KEEPALIVE_INTERVAL: 'cluster.helloInterval',
  CLUSTER_MASTER_TIMEOUT: 'cluster.masterTimeout',
  CLUSTER_MULTICAST_ADDRESS: 'cluster.multicast',
  CLUSTER_NODE_TIMEOUT: 'cluster.nodeTimeout',
  CLUSTER_PORT: 'cluster.port',
  CLUSTER_PREFIX: 'cluster.prefix',
  CLUSTER_UNICAST_ADDRESSES: 'cluster.unicast',
  DEBUG: 'debug',
  DEFAULT_APP_ID: 'appManager.array.apps.0.id',
  DEFAULT_APP_KEY: 'appManager.array.apps.0.key',
  DEFAULT_APP_SECRET: 'appManager.array.apps.0.secret',
  DEFAULT_APP_MAX_CONNS: 'appManager.array.apps.0.maxConnections',
  DEFAULT_APP_ENABLE_CLIENT_MESSAGES: 'appManager.array.apps.0.enableClientMessages',
  DEFAULT_APP_ENABLED: 'appManager.array.apps.0.enabled',
  DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SEC: 'appManager.array.apps.0.maxBackendEventsPerSecond',
  DEFAULT_APP_MAX_CLIENT_EVENTS_PER_SEC: 'appManager.array.apps.0.maxClientEventsPerSecond',
  DEFAULT_APP_MAX_READ_REQ_PER_SEC: 'appManager.array.apps.0.maxReadRequestsPerSecond',
  DEFAULT_APP_USER_AUTHENTICATION: 'appManager.array.apps.0.enableUserAuthentication',
  DEFAULT_APP_WEBHOOKS: 'appManager.array.apps.0.webhooks',
  DB_POOLING_ENABLED: 'databasePooling.enabled',
  DB_POOLING_MIN: 'databasePooling.min',
  DB_POOLING_MAX: 'databasePooling.max',
  DB_MYSQL_HOST: 'database.mysql.host',
  DB_MYSQL_PORT: 'database.mysql.port',
  DB_MYSQL_USERNAME: 'database.mysql.user',
  DB_MYSQL_PASSWORD: 'database.mysql.password',
  DB_MYSQL_DATABASE: 'database.mysql.database',
  DB_POSTGRES_HOST: 'database.postgres.host',
  DB_POSTGRES_PORT: 'database.postgres.port',
  DB_POSTGRES_USERNAME: 'database.postgres.user',
  DB_POSTGRES_PASSWORD: 'database.postgres.password',
  DB_POSTGRES_DATABASE: 'database.postgres.database',
  DB_REDIS_HOST: 'database.redis.host',
  DB_REDIS_PORT: 'database.redis.port',
  DB_REDIS_DB: 'database.redis.db',
  DB_REDIS_USERNAME: 'database.redis.username',
  DB_REDIS_PASSWORD: 'database.redis.password',
  DB_REDIS_KEY_PREFIX: 'database.redis.keyPrefix',
  DB_REDIS_SENTINELS: 'database.redis.sentinels',
  DB_REDIS_SENTINEL_PASSWORD: 'database.redis.sentinelPassword',
  DB_REDIS_CLUSTER_NODES: 'database.redis.clusterNodes',
  DB_REDIS_INSTANCE_NAME: 'database.redis.name',
  EVENT_MAX_BATCH_SIZE: 'eventLimits.maxBatchSize',
  EVENT_MAX_CHANNELS_AT_ONCE: 'eventLimits.maxChannelsAtOnce',
  EVENT_MAX_NAME_LENGTH: 'eventLimits.maxNameLength',
  EVENT_MAX_SIZE_IN_KB: 'eventLimits.maxPayloadInKb',
  HOST: 'host',
  HTTP_ACCEPT_TRAFFIC_MEMORY_THRESHOLD: 'httpApi.acceptTraffic.memoryThreshold',
  METRICS_ENABLED: 'metrics.enabled',
  METRICS_DRIVER: 'metrics.driver',
  METRICS_HOST: 'metrics.host',
  METRICS_PROMETHEUS_PREFIX: 'metrics.prometheus.prefix',
  METRICS_SERVER_PORT: 'metrics.port',
  MODE: 'mode',
  PORT: 'port',
  PATH_PREFIX: 'pathPrefix',
  PRESENCE_MAX_MEMBER_SIZE: 'presence.maxMemberSizeInKb',
  PRESENCE_MAX_MEMBERS: 'presence.maxMembersPerChannel',
  QUEUE_DRIVER: 'queue.driver',
  QUEUE_REDIS_CONCURRENCY: 'queue.redis.concurrency',
  QUEUE_REDIS_OPTIONS: 'queue.redis.redisOptions',
  QUEUE_REDIS_CLUSTER_MODE: 'queue.redis.clusterMode',
  QUEUE_SQS_REGION: 'queue.sqs.region',
  QUEUE_SQS_CLIENT_OPTIONS: 'queue.sqs.clientOptions',
  QUEUE_SQS_URL: 'queue.sqs.queueUrl',
  QUEUE_SQS_ENDPOINT: 'queue.sqs.endpoint',
  QUEUE_SQS_PROCESS_BATCH: 'queue.sqs.processBatch',
  QUEUE_SQS_BATCH_SIZE: 'queue.sqs.batchSize',
  QUEUE_SQS_POLLING_WAIT_TIME_MS: 'queue.sqs.pollingWaitTimeMs',
  RATE_LIMITER_DRIVER: 'rateLimiter.driver',
  RATE_LIMITER_REDIS_OPTIONS: 'rateLimiter.redis.redisOptions',
  RATE_LIMITER_REDIS_CLUSTER_MODE: 'rateLimiter.redis.clusterMode',
  SHUTDOWN_GRACE_PERIOD: 'shutdownGracePeriod',
  SSL_CERT: 'ssl.certPath',
  SSL_KEY: 'ssl.keyPath',
  SSL_PASS: 'ssl.passphrase',
  SSL_CA: 'ssl.caPath',
  USER_AUTHENTICATION_TIMEOUT: 'userAuthenticationTimeout',
  WEBHOOKS_BATCHING: 'webhooks.batching.enabled',
  WEBHOOKS_BATCHING_DURATION: 'webhooks.batching.duration',
};

/** Subtrees that stay whole values (lists of apps, nodes, servers; client option objects). */
const LEAF =
  /^(appManager\.array\.apps|database\.redis\.(sentinels|clusterNodes)|adapter\.nats\.servers|cluster\.unicast)$|Options$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function flattenInto(out: SoketiOptions, prefix: string, value: unknown): void {
  if (prefix && (LEAF.test(prefix) || !isPlainObject(value))) {
    out.set(prefix, value);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [k, v] of Object.entries(value)) flattenInto(out, prefix ? `${prefix}.${k}` : k, v);
}

/** A soketi config file's top-level object, nested or dotted, as flat options (later keys win). */
export function optionsFromConfig(
  config: Record<string, unknown>,
  into: SoketiOptions = new Map(),
): SoketiOptions {
  for (const [k, v] of Object.entries(config)) flattenInto(into, k, v);
  return into;
}

/** The `SOKETI_*` variables soketi reads; returns the options and the variables it does not know. */
export function optionsFromEnv(
  env: Record<string, string | undefined>,
  into: SoketiOptions = new Map(),
): { options: SoketiOptions; unknown: string[]; origins: Map<string, string> } {
  const unknown: string[] = [];
  /** Option key → the variable that set it, for the report. */
  const origins = new Map<string, string>();
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SOKETI_') || raw === undefined) continue;
    const key = SOKETI_ENV[name.slice('SOKETI_'.length)];
    if (!key) {
      unknown.push(name);
      continue;
    }
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string, as soketi keeps it
    }
    flattenInto(into, key, value);
    origins.set(key, name);
  }
  return { options: into, unknown, origins };
}

/**
 * The app list: `appManager.array.apps` plus any `appManager.array.apps.N.field` keys (the default-app
 * variables) applied over it, as soketi's dotted `set` does.
 */
export function soketiApps(options: SoketiOptions): Record<string, unknown>[] | undefined {
  const listed = options.get('appManager.array.apps');
  // soketi's own default app, which its SOKETI_DEFAULT_APP_* variables change field by field.
  const apps = Array.isArray(listed)
    ? listed.map((a) => (isPlainObject(a) ? { ...a } : {}))
    : [{ id: 'app-id', key: 'app-key', secret: 'app-secret' } as Record<string, unknown>];
  let any = Array.isArray(listed);
  for (const [key, value] of options) {
    const m = /^appManager\.array\.apps\.(\d+)\.(.+)$/.exec(key);
    if (!m) continue;
    any = true;
    const i = Number(m[1]);
    while (apps.length <= i) apps.push({});
    apps[i]![m[2]!] = value;
  }
  return any ? apps : undefined;
}
