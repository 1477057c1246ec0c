/** The validated configuration, as the rest of Herald sees it. Mirrors src/config/schema.ts. */
import type { AppLimits } from '../protocol/limits.js';

export type WebhookEventName =
  | 'channel_occupied'
  | 'channel_vacated'
  | 'member_added'
  | 'member_removed'
  | 'client_event'
  | 'cache_miss'
  | 'subscription_count'
  | 'user_online'
  | 'user_offline';

export interface WebhookTarget {
  url: string;
  events: WebhookEventName[];
  filter?: { channelPrefix?: string; channelSuffix?: string };
  headers?: Record<string, string>;
  /** Accept `user:password@` in `url` (refused at load otherwise). */
  allowUrlCredentials?: boolean;
}

export interface HistoryRule {
  /** Glob: `*` matches any run of characters. */
  channels: string;
  size: number;
  ttlSeconds: number;
  rewind: number;
  rewindSeconds: number;
  resumeSeconds: number;
  signinWaitMs: number;
}

export interface AppConfig {
  id: string;
  key: string;
  secret: string;
  /** The secret before the last rotation, still accepted for signatures until `previousSecretExpiresAt`. */
  previousSecret?: string;
  /** ISO 8601 time after which `previousSecret` is refused. */
  previousSecretExpiresAt?: string;
  enabled: boolean;
  clientEvents: boolean;
  userAuthentication: boolean;
  watchlistEvents: boolean;
  subscriptionCount: boolean;
  authorizedConnections: boolean;
  authorizedConnectionsTimeout: number;
  requireTls: boolean;
  limits: AppLimits;
  webhooks: WebhookTarget[];
  history: HistoryRule[];
}

export interface HeraldConfig {
  host: string;
  port: number;
  pathPrefix: string;
  activityTimeout: number;
  pongTimeout: number;
  strictProtocol: boolean;
  maxFrameBytes: number;
  maxJsonDepth: number;
  httpHeadersTimeout: number;
  httpBodyTimeout: number;
  maxHttpBodyBytes: number;
  maxSocketBufferBytes: number;
  maxConnections: number;
  perMessageDeflate: boolean;
  cacheTtl: number;
  shutdownTimeout: number;
  idempotencyWindow: number;
  workers: number;
  adapter: {
    driver: 'local' | 'redis';
    redisUrl?: string;
    url?: string;
    prefix: string;
    nodeTimeout: number;
  };
  webhooks: {
    batchSize: number;
    batchWindowMs: number;
    delayMs: number;
    timeoutMs: number;
    retryWindowMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
  };
  metrics: { enabled: boolean; host: string; port: number };
  console: { enabled: boolean; host: string; port: number; token?: string };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; debugPayloads: boolean };
  ssl?: { cert: string; key: string; passphrase?: string; ca?: string };
  rateLimits: { connectionsPerIpPerSecond: number };
  httpTransports: { enabled: boolean; path: string; heartbeatInterval: number; maxSessionsPerIp: number };
  appStore: {
    driver: 'file' | 'postgres' | 'mysql';
    url?: string;
    /** Filled by loadConfig: herald_apps, or apps for the soketi schema. */
    table: string;
    schema: 'herald' | 'soketi';
    cacheTtl: number;
    pollMs: number;
  };
  apps: AppConfig[];
}

/** What a user may pass: any subset, deeply. */
export type HeraldConfigInput = {
  [K in keyof HeraldConfig]?: HeraldConfig[K] extends (infer T)[]
    ? Partial<T>[]
    : HeraldConfig[K] extends object | undefined
      ? Partial<NonNullable<HeraldConfig[K]>>
      : HeraldConfig[K];
};

export const DEV_APP = Object.freeze({ id: 'app-id', key: 'app-key', secret: 'app-secret' });
