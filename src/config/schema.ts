/** Herald's configuration schema: the single source for validation, env vars, flags and docs. */
import { DEFAULT_MAX_JSON_DEPTH } from '../protocol/json-depth.js';
import { DEFAULT_LIMITS } from '../protocol/limits.js';
import type { Field, ObjectField } from './schema-dsl.js';

const WEBHOOK_EVENTS = [
  'channel_occupied',
  'channel_vacated',
  'member_added',
  'member_removed',
  'client_event',
  'cache_miss',
  'subscription_count',
  'user_online',
  'user_offline',
] as const;
/** What a target gets when it lists no events: Pusher's kinds; the user ones are asked for by name. */
const DEFAULT_WEBHOOK_EVENTS = WEBHOOK_EVENTS.filter((e) => e !== 'user_online' && e !== 'user_offline');

const limitsField: ObjectField = {
  kind: 'object',
  doc: "Per-app limits; defaults follow Pusher's (docs/protocol-requirements.md#limits) except presence members.",
  fields: {
    maxConnections: {
      kind: 'int',
      min: 0,
      default: DEFAULT_LIMITS.maxConnections,
      doc: 'Concurrent connections for the app, 0 for unlimited; new connections past it close with 4004.',
    },
    maxEventPayloadBytes: {
      kind: 'int',
      min: 1,
      default: DEFAULT_LIMITS.maxEventPayloadBytes,
      doc: 'Max UTF-8 bytes of event data: HTTP API answers 413, client events get pusher:error.',
    },
    maxChannelNameLength: {
      kind: 'int',
      min: 164,
      max: 1000,
      default: DEFAULT_LIMITS.maxChannelNameLength,
      doc: 'Max channel name length.',
    },
    maxEventNameLength: {
      kind: 'int',
      min: 1,
      default: DEFAULT_LIMITS.maxEventNameLength,
      doc: 'Max event name length.',
    },
    maxChannelsPerEvent: {
      kind: 'int',
      min: 1,
      default: DEFAULT_LIMITS.maxChannelsPerEvent,
      doc: 'Max channels in one trigger.',
    },
    maxBatchSize: {
      kind: 'int',
      min: 1,
      default: DEFAULT_LIMITS.maxBatchSize,
      doc: 'Max events in one batch trigger.',
    },
    maxPresenceMembers: {
      kind: 'int',
      min: 1,
      default: DEFAULT_LIMITS.maxPresenceMembers,
      doc: 'Max distinct users in one presence channel (Pusher: 100).',
    },
    maxPresenceUserIdLength: {
      kind: 'int',
      min: 1,
      default: DEFAULT_LIMITS.maxPresenceUserIdLength,
      doc: 'Max presence user_id length.',
    },
    maxPresenceUserInfoBytes: {
      kind: 'int',
      min: 1,
      default: DEFAULT_LIMITS.maxPresenceUserInfoBytes,
      doc: 'Max serialized user_info bytes.',
    },
    maxClientEventsPerSecond: {
      kind: 'int',
      min: 1,
      default: DEFAULT_LIMITS.maxClientEventsPerSecond,
      doc: 'Client events per second per connection; excess is dropped with error 4301.',
    },
    maxWatchlistSize: {
      kind: 'int',
      min: 1,
      default: DEFAULT_LIMITS.maxWatchlistSize,
      doc: 'Watchlist ids kept at sign-in; more adds error 4302.',
    },
    maxApiRequestsPerSecond: {
      kind: 'int',
      min: 0,
      default: DEFAULT_LIMITS.maxApiRequestsPerSecond,
      doc: 'HTTP API requests per second for the app, 0 for unlimited; excess answers 429.',
    },
  },
};

const webhookField: ObjectField = {
  kind: 'object',
  doc: 'A webhook target.',
  fields: {
    url: {
      kind: 'string',
      nonEmpty: true,
      doc: 'http:// or https:// URL with a host that receives POSTed webhook batches; checked at start.',
    },
    allowUrlCredentials: {
      kind: 'bool',
      default: false,
      doc: 'Accept user:password@ in url (otherwise a configuration error: put credentials in headers).',
    },
    events: {
      kind: 'array',
      items: { kind: 'enum', values: WEBHOOK_EVENTS, doc: 'Webhook event name.' },
      default: [...DEFAULT_WEBHOOK_EVENTS],
      doc: `Event kinds sent to this target: ${WEBHOOK_EVENTS.join(', ')}.`,
    },
    filter: {
      kind: 'object',
      optional: true,
      doc: 'Only send events whose channel matches.',
      fields: {
        channelPrefix: { kind: 'string', optional: true, doc: 'Channel name must start with this.' },
        channelSuffix: { kind: 'string', optional: true, doc: 'Channel name must end with this.' },
      },
    },
    headers: {
      kind: 'object',
      stringMap: true,
      fields: {},
      doc: 'Extra HTTP headers sent with each request.',
    },
  },
};

const historyRuleField: ObjectField = {
  kind: 'object',
  doc: 'A history rule (docs/history-and-recovery.md): which channels keep history, how much, and what subscribers get back.',
  fields: {
    channels: {
      kind: 'string',
      nonEmpty: true,
      doc: 'Channel name glob: `*` matches any run of characters (e.g. history-*). The first matching rule wins.',
    },
    size: { kind: 'int', min: 1, max: 10_000, default: 100, doc: 'Events kept per channel (the newest).' },
    ttlSeconds: {
      kind: 'int',
      min: 1,
      default: 3600,
      doc: 'Seconds history outlives the channel: it is dropped this long after the channel is vacated (or after its last event while unoccupied).',
    },
    rewind: {
      kind: 'int',
      min: 0,
      max: 10_000,
      default: 0,
      doc: 'Past events a new subscriber gets before live ones (the newest N), 0 for none.',
    },
    rewindSeconds: {
      kind: 'int',
      min: 0,
      default: 0,
      doc: 'Only rewind events younger than this many seconds; alone (rewind 0) it rewinds every kept event that young. 0: no age limit.',
    },
    resumeSeconds: {
      kind: 'int',
      min: 0,
      default: 0,
      doc: 'A signed-in user back within this many seconds of their last connection gets every event they missed, 0 for off.',
    },
    signinWaitMs: {
      kind: 'int',
      min: 0,
      max: 60_000,
      default: 3000,
      doc: 'With resumeSeconds: how long a subscription made before pusher:signin holds its events waiting for the sign-in.',
    },
  },
};

export const appField: ObjectField = {
  kind: 'object',
  doc: 'An application: credentials, feature switches, limits and webhooks.',
  fields: {
    id: { kind: 'string', nonEmpty: true, doc: 'App id, used in HTTP API paths (/apps/{id}/...).' },
    key: { kind: 'string', nonEmpty: true, doc: 'App key, used by clients (/app/{key}) and in signatures.' },
    secret: { kind: 'string', nonEmpty: true, doc: 'App secret for HMAC signatures. Keep it private.' },
    previousSecret: {
      kind: 'string',
      optional: true,
      doc: 'The secret before a rotation: signatures made with it are still accepted until previousSecretExpiresAt.',
    },
    previousSecretExpiresAt: {
      kind: 'string',
      optional: true,
      doc: 'ISO 8601 time (e.g. 2026-01-31T12:00:00Z) after which previousSecret is refused.',
    },
    enabled: {
      kind: 'bool',
      default: true,
      doc: 'Disabled apps refuse connections (4003) and API calls (403).',
    },
    clientEvents: {
      kind: 'bool',
      default: false,
      doc: 'Allow client events (client-*) on private and presence channels.',
    },
    userAuthentication: { kind: 'bool', default: true, doc: 'Allow pusher:signin (user authentication).' },
    watchlistEvents: {
      kind: 'bool',
      default: true,
      doc: 'Send watchlist online/offline events to signed-in users.',
    },
    subscriptionCount: {
      kind: 'bool',
      default: false,
      doc: 'Broadcast pusher_internal:subscription_count on non-presence channels.',
    },
    authorizedConnections: {
      kind: 'bool',
      default: false,
      doc: 'Close connections that neither sign in nor join a private/presence channel in time (4009).',
    },
    authorizedConnectionsTimeout: {
      kind: 'int',
      min: 1,
      default: 30,
      doc: 'Seconds a connection has to authorize when authorizedConnections is on.',
    },
    requireTls: { kind: 'bool', default: false, doc: 'Refuse plain ws:// connections with 4000.' },
    limits: limitsField,
    webhooks: { kind: 'array', items: webhookField, default: [], doc: 'Webhook targets.' },
    history: {
      kind: 'array',
      items: historyRuleField,
      default: [],
      doc: 'Channel history, rewind and resume rules; the first rule whose glob matches a channel applies.',
    },
  },
};

export const configSchema: ObjectField = {
  kind: 'object',
  doc: 'Herald configuration.',
  fields: {
    host: {
      kind: 'string',
      default: '127.0.0.1',
      env: 'HERALD_HOST',
      flag: 'host',
      doc: 'Address to listen on.',
    },
    port: {
      kind: 'int',
      min: 0,
      max: 65535,
      default: 6001,
      env: 'HERALD_PORT',
      flag: 'port',
      doc: 'Port for WebSocket and HTTP API (0 picks a free port).',
    },
    pathPrefix: {
      kind: 'string',
      default: '',
      env: 'HERALD_PATH_PREFIX',
      flag: 'path-prefix',
      doc: 'Prefix before /app/{key} and /apps/{id} (pusher-js wsPath, PHP SDK path); stripped before signing.',
    },
    activityTimeout: {
      kind: 'int',
      min: 1,
      max: 3600,
      default: 120,
      env: 'HERALD_ACTIVITY_TIMEOUT',
      doc: 'Seconds of silence before the server pings a client (sent in the handshake).',
    },
    pongTimeout: {
      kind: 'int',
      min: 1,
      max: 600,
      default: 30,
      env: 'HERALD_PONG_TIMEOUT',
      doc: 'Seconds to wait for any frame after a ping before closing with 4201.',
    },
    strictProtocol: {
      kind: 'bool',
      default: false,
      env: 'HERALD_STRICT_PROTOCOL',
      doc: 'Refuse connections without a protocol query parameter (4008) instead of assuming 7.',
    },
    maxFrameBytes: {
      kind: 'int',
      min: 1024,
      default: 32 * 1024,
      env: 'HERALD_MAX_FRAME_BYTES',
      doc: 'Largest inbound WebSocket message handled. Up to 4× this a larger one gets a non-closing pusher:error; beyond 4× the socket closes with 1009, and a message in more than 4× this / 64 fragments closes it with 1008.',
    },
    maxJsonDepth: {
      kind: 'int',
      min: 8,
      max: 1000,
      default: DEFAULT_MAX_JSON_DEPTH,
      env: 'HERALD_MAX_JSON_DEPTH',
      doc: 'Deepest nesting of objects and arrays accepted in any JSON from outside (frames, API bodies, channel_data, user_data); deeper is refused before parsing.',
    },
    httpHeadersTimeout: {
      kind: 'int',
      min: 1,
      max: 600,
      default: 10,
      env: 'HERALD_HTTP_HEADERS_TIMEOUT',
      doc: 'Seconds a client has to send its request line and headers (API calls and WebSocket upgrades); 408 and close past it.',
    },
    httpBodyTimeout: {
      kind: 'int',
      min: 1,
      max: 600,
      default: 10,
      env: 'HERALD_HTTP_BODY_TIMEOUT',
      doc: 'Seconds an HTTP API request has to deliver its body once its headers are in; 408 and close past it.',
    },
    maxHttpBodyBytes: {
      kind: 'int',
      min: 1024,
      default: 256 * 1024,
      env: 'HERALD_MAX_HTTP_BODY_BYTES',
      doc: 'Largest HTTP API request body (413 past it).',
    },
    maxSocketBufferBytes: {
      kind: 'int',
      min: 16 * 1024,
      default: 4 * 1024 * 1024,
      env: 'HERALD_MAX_SOCKET_BUFFER_BYTES',
      doc: 'Outgoing bytes buffered for one slow client before it is closed with 4100.',
    },
    maxConnections: {
      kind: 'int',
      min: 0,
      default: 0,
      env: 'HERALD_MAX_CONNECTIONS',
      doc: 'Connections this node accepts across all apps, 0 for unlimited (4100 past it).',
    },
    perMessageDeflate: {
      kind: 'bool',
      default: false,
      env: 'HERALD_PER_MESSAGE_DEFLATE',
      doc: 'Offer permessage-deflate compression (costs CPU per recipient; frames waiting to be compressed count towards maxSocketBufferBytes).',
    },
    cacheTtl: {
      kind: 'int',
      min: 1,
      default: 1800,
      env: 'HERALD_CACHE_TTL',
      doc: 'Seconds a cache channel remembers its last event.',
    },
    shutdownTimeout: {
      kind: 'int',
      min: 0,
      default: 10,
      env: 'HERALD_SHUTDOWN_TIMEOUT',
      doc: 'Seconds over which connections are closed with 4200 during a graceful shutdown.',
    },
    idempotencyWindow: {
      kind: 'int',
      min: 1,
      default: 300,
      env: 'HERALD_IDEMPOTENCY_WINDOW',
      doc: 'Seconds an idempotency key (idempotency_key / X-Idempotency-Key) is remembered: a repeat within it is not published again and gets the first answer.',
    },
    workers: {
      kind: 'int',
      min: 1,
      max: 64,
      default: 1,
      env: 'HERALD_WORKERS',
      flag: 'workers',
      doc: 'Worker processes sharing the port (coordinated through the adapter).',
    },
    adapter: {
      kind: 'object',
      doc: 'How nodes share state: local (one process) or redis (many nodes).',
      fields: {
        driver: {
          kind: 'enum',
          values: ['local', 'redis'],
          default: 'local',
          env: 'HERALD_ADAPTER',
          doc: 'local keeps everything in memory; redis shares it across nodes.',
        },
        redisUrl: {
          kind: 'string',
          optional: true,
          env: 'HERALD_REDIS_URL',
          flag: 'redis-url',
          doc: 'Redis URL (redis://host:port/db); setting it selects the redis driver.',
        },
        url: {
          kind: 'string',
          optional: true,
          doc: 'Same as redisUrl, for config files (redisUrl, HERALD_REDIS_URL and --redis-url win).',
        },
        prefix: {
          kind: 'string',
          default: 'herald',
          env: 'HERALD_REDIS_PREFIX',
          doc: 'Prefix of every Redis key.',
        },
        nodeTimeout: {
          kind: 'int',
          min: 2,
          default: 10,
          env: 'HERALD_NODE_TIMEOUT',
          doc: 'Seconds without a heartbeat after which a node is presumed dead and its members removed.',
        },
      },
    },
    webhooks: {
      kind: 'object',
      doc: 'Webhook delivery settings shared by all apps.',
      fields: {
        batchSize: {
          kind: 'int',
          min: 1,
          max: 1000,
          default: 20,
          doc: 'Events per webhook request at most.',
        },
        batchWindowMs: {
          kind: 'int',
          min: 0,
          default: 250,
          doc: 'Milliseconds events wait to share a request.',
        },
        delayMs: {
          kind: 'int',
          min: 0,
          default: 3000,
          env: 'HERALD_WEBHOOK_DELAY_MS',
          doc: 'Delay of channel_vacated and member_removed, cancelled by a quick rejoin.',
        },
        timeoutMs: { kind: 'int', min: 100, default: 4000, doc: 'Receiver response deadline.' },
        retryWindowMs: {
          kind: 'int',
          min: 0,
          default: 300_000,
          doc: 'How long a failing batch is retried before it goes to the dead-letter list.',
        },
        retryBaseMs: {
          kind: 'int',
          min: 1,
          default: 1000,
          doc: 'First retry delay; each retry doubles it (with jitter) up to retryMaxMs.',
        },
        retryMaxMs: { kind: 'int', min: 1, default: 60_000, doc: 'Longest delay between two retries.' },
      },
    },
    metrics: {
      kind: 'object',
      doc: 'Prometheus metrics endpoint.',
      fields: {
        enabled: {
          kind: 'bool',
          default: true,
          env: 'HERALD_METRICS',
          doc: 'Serve /metrics on its own port.',
        },
        host: {
          kind: 'string',
          default: '127.0.0.1',
          env: 'HERALD_METRICS_HOST',
          doc: 'Metrics listen address.',
        },
        port: {
          kind: 'int',
          min: 0,
          max: 65535,
          default: 9601,
          env: 'HERALD_METRICS_PORT',
          flag: 'metrics-port',
          doc: 'Metrics port (0 picks a free port).',
        },
      },
    },
    console: {
      kind: 'object',
      doc: 'The Herald Console: a live debug console in the browser, on its own listener, behind a token.',
      fields: {
        enabled: {
          kind: 'bool',
          default: true,
          env: 'HERALD_CONSOLE',
          flag: 'console',
          doc: 'Serve the console (and the admin API) on its own port.',
        },
        host: {
          kind: 'string',
          default: '127.0.0.1',
          env: 'HERALD_CONSOLE_HOST',
          flag: 'console-host',
          doc: 'Console listen address; any address but loopback requires a configured token.',
        },
        port: {
          kind: 'int',
          min: 0,
          max: 65535,
          default: 9602,
          env: 'HERALD_CONSOLE_PORT',
          flag: 'console-port',
          doc: 'Console port (0 picks a free port).',
        },
        token: {
          kind: 'string',
          optional: true,
          env: 'HERALD_CONSOLE_TOKEN',
          doc: 'Token for the login form and `Authorization: Bearer`, at least 16 characters. Unset: a new one is generated at each start and printed in the banner.',
        },
      },
    },
    log: {
      kind: 'object',
      doc: 'Logging.',
      fields: {
        level: {
          kind: 'enum',
          values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
          default: 'info',
          env: 'HERALD_LOG_LEVEL',
          flag: 'log-level',
          doc: 'Minimum level logged.',
        },
        debugPayloads: {
          kind: 'bool',
          default: false,
          env: 'HERALD_LOG_PAYLOADS',
          doc: 'Log message payloads at debug level (never on in production).',
        },
      },
    },
    ssl: {
      kind: 'object',
      optional: true,
      doc: 'Serve wss:// and https:// on the same port.',
      fields: {
        cert: {
          kind: 'string',
          nonEmpty: true,
          env: 'HERALD_SSL_CERT',
          doc: 'Path to the PEM certificate chain.',
        },
        key: { kind: 'string', nonEmpty: true, env: 'HERALD_SSL_KEY', doc: 'Path to the PEM private key.' },
        passphrase: {
          kind: 'string',
          optional: true,
          env: 'HERALD_SSL_PASSPHRASE',
          doc: 'Private key passphrase.',
        },
        ca: { kind: 'string', optional: true, env: 'HERALD_SSL_CA', doc: 'Path to extra CA certificates.' },
      },
    },
    httpTransports: {
      kind: 'object',
      doc: "pusher-js's HTTP fallbacks (xhr_streaming, xhr_polling) for clients whose WebSocket is blocked.",
      fields: {
        enabled: {
          kind: 'bool',
          default: true,
          env: 'HERALD_HTTP_TRANSPORTS',
          doc: 'Serve the HTTP transports on the main port under {pathPrefix}{path}/app/{key}/….',
        },
        path: {
          kind: 'string',
          default: '/pusher',
          env: 'HERALD_HTTP_TRANSPORTS_PATH',
          doc: "Path of the HTTP transports: pusher-js's httpPath option (its default is /pusher).",
        },
        heartbeatInterval: {
          kind: 'int',
          min: 1,
          max: 300,
          default: 25,
          env: 'HERALD_HTTP_HEARTBEAT_INTERVAL',
          doc: 'Seconds of quiet after which an open stream or a waiting poll gets a heartbeat (keeps proxies from timing out).',
        },
        maxSessionsPerIp: {
          kind: 'int',
          min: 0,
          default: 0,
          env: 'HERALD_HTTP_MAX_SESSIONS_PER_IP',
          doc: 'Concurrent HTTP-transport sessions from one IP, 0 for unlimited (HTTP 429 past it).',
        },
      },
    },
    rateLimits: {
      kind: 'object',
      doc: 'Edge limits per client IP.',
      fields: {
        connectionsPerIpPerSecond: {
          kind: 'int',
          min: 0,
          default: 0,
          env: 'HERALD_CONNECTIONS_PER_IP_PER_SECOND',
          doc: 'New WebSocket connections per second from one IP, 0 for unlimited (HTTP 429 before upgrade).',
        },
      },
    },
    appStore: {
      kind: 'object',
      doc: 'Where apps are read from: the config (file) or a PostgreSQL / MySQL table. See docs/app-stores.md.',
      fields: {
        driver: {
          kind: 'enum',
          values: ['file', 'postgres', 'mysql'],
          default: 'file',
          env: 'HERALD_APP_STORE_DRIVER',
          flag: 'app-store',
          doc: 'file: the apps of this configuration (reloaded on SIGHUP and file change); postgres or mysql (also MariaDB): a table.',
        },
        url: {
          kind: 'string',
          optional: true,
          env: 'HERALD_APP_STORE_URL',
          flag: 'app-store-url',
          doc: 'Database URL: postgres://user:pass@host:5432/db or mysql://user:pass@host:3306/db.',
        },
        table: {
          kind: 'string',
          optional: true,
          env: 'HERALD_APP_STORE_TABLE',
          doc: 'Table holding the apps (default herald_apps; apps with the soketi schema).',
        },
        schema: {
          kind: 'enum',
          values: ['herald', 'soketi'],
          default: 'herald',
          env: 'HERALD_APP_STORE_SCHEMA',
          doc: "herald: Herald's own table, created and migrated by Herald; soketi: soketi's apps table, read as it stands.",
        },
        cacheTtl: {
          kind: 'int',
          min: 1,
          default: 60,
          env: 'HERALD_APP_STORE_CACHE_TTL',
          doc: 'Seconds an app (or an unknown key) is served from memory before the table is read again; changes made through Herald arrive sooner.',
        },
        pollMs: {
          kind: 'int',
          min: 100,
          max: 60_000,
          default: 500,
          env: 'HERALD_APP_STORE_POLL_MS',
          doc: "MySQL: how often the table's version is polled for changes (PostgreSQL is told by NOTIFY).",
        },
      },
    },
    apps: {
      kind: 'array',
      items: appField,
      optional: true,
      doc: 'Applications. Without any, one development app (app-id / app-key / app-secret) is created.',
    },
  },
};

export const WEBHOOK_EVENT_NAMES = WEBHOOK_EVENTS;

/** Single-app environment variables (HERALD_APP_*), applied over the first app. */
export const appEnv: Record<string, string> = {
  HERALD_APP_ID: 'id',
  HERALD_APP_KEY: 'key',
  HERALD_APP_SECRET: 'secret',
  HERALD_APP_CLIENT_EVENTS: 'clientEvents',
  HERALD_APP_ENABLED: 'enabled',
  HERALD_APP_USER_AUTHENTICATION: 'userAuthentication',
  HERALD_APP_SUBSCRIPTION_COUNT: 'subscriptionCount',
};

export function fieldAt(path: string): Field | undefined {
  let f: Field | undefined = configSchema;
  for (const part of path.split('.')) {
    if (!f || f.kind !== 'object') return undefined;
    f = f.fields[part];
  }
  return f;
}
