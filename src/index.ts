/**
 * Herald's public API for embedding: what `import … from '<package>'` resolves to (package.json
 * `exports`). Everything else under dist/src is internal and may change between minor versions.
 */
export type {
  Adapter,
  CachedEvent,
  ChannelStats,
  Envelope,
  MemberChange,
  NodeDelivery,
  PresenceMember,
} from './adapters/adapter.js';
export { LocalAdapter } from './adapters/local-adapter.js';
export { RedisAdapter, type RedisAdapterOptions } from './adapters/redis-adapter.js';
export { type AppStore, ConfigAppStore } from './apps/app-store.js';
export {
  type AppConfig,
  DEV_APP,
  type HeraldConfig,
  type HeraldConfigInput,
  type WebhookEventName,
  type WebhookTarget,
} from './config/config.js';
export { type ConfigSources, loadConfig } from './config/load.js';
export { ConfigError } from './config/schema-dsl.js';
export type { ServerEvent, ServerEventType } from './events/server-events.js';
export { createHerald, type Herald, type HeraldDeps } from './herald.js';
export { createLogger, type Logger, silentLogger } from './logging/logger.js';
export { type AppLimits, DEFAULT_LIMITS } from './protocol/limits.js';
export type { DeadLetter, WebhookBatch, WebhookQueue } from './webhooks/webhook-queue.js';
