/**
 * Builds the configuration from defaults, a JSON/YAML file, environment variables and flags, in that
 * order of precedence (flags win), then validates it all against one schema.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { redactUrl } from '../logging/redact-url.js';
import { type AppConfig, DEV_APP, type HeraldConfig, type HeraldConfigInput } from './config.js';
import { appEnv, appField, configSchema } from './schema.js';
import { ConfigError, coerceScalar, type Field, validateField, walkFields } from './schema-dsl.js';

export interface ConfigSources {
  /** Path of a JSON file, or YAML when it ends in .yaml/.yml. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Flags by name without dashes, e.g. { port: '6002' }. */
  flags?: Record<string, string>;
  /** Programmatic overrides (tests, embedding), applied after the file and before env. */
  overrides?: HeraldConfigInput;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

function readFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`config file ${path}: cannot be read (${(err as Error).message})`);
    return {};
  }
  try {
    const parsed: unknown = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push(`config file ${path}: expected an object at the top level`);
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    problems.push(`config file ${path}: ${(err as Error).message}`);
    return {};
  }
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      typeof b === 'object' &&
      b !== null &&
      !Array.isArray(b)
    ) {
      out[k] = deepMerge(b as Record<string, unknown>, v as Record<string, unknown>);
    } else if (v !== undefined) {
      out[k] = v;
    }
  }
  return out;
}

function checkApps(apps: AppConfig[], problems: string[]): void {
  const ids = new Set<string>();
  const keys = new Set<string>();
  apps.forEach((app, i) => {
    if (ids.has(app.id)) problems.push(`apps[${i}].id: duplicate app id ${JSON.stringify(app.id)}`);
    if (keys.has(app.key)) problems.push(`apps[${i}].key: duplicate app key ${JSON.stringify(app.key)}`);
    ids.add(app.id);
    keys.add(app.key);
    problems.push(...checkPreviousSecret(app).map((p) => `apps[${i}].${p}`));
  });
}

/** Problems with an app's rotation fields, as `field: message`; shared with the stores' writes. */
export function checkPreviousSecret(app: Partial<AppConfig>): string[] {
  const at = app.previousSecretExpiresAt;
  if (at !== undefined && Number.isNaN(Date.parse(at)))
    return [`previousSecretExpiresAt: expected an ISO 8601 time, got ${JSON.stringify(at)}`];
  if ((app.previousSecret === undefined) !== (at === undefined))
    return ['previousSecret: previousSecret and previousSecretExpiresAt go together'];
  return [];
}

const STORE_SCHEMES: Record<string, RegExp> = {
  postgres: /^postgres(ql)?:\/\/[^/?#]/,
  mysql: /^(mysql|mariadb):\/\/[^/?#]/,
};

function checkAppStore(store: HeraldConfig['appStore'], problems: string[]): void {
  store.table ??= store.schema === 'soketi' ? 'apps' : 'herald_apps';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(store.table))
    problems.push(
      `appStore.table: expected a plain table name (letters, digits, _), got ${JSON.stringify(store.table)}`,
    );
  if (store.driver === 'file') return;
  if (!store.url) {
    problems.push(
      `appStore.url: is required when appStore.driver is ${store.driver} (or set HERALD_APP_STORE_URL)`,
    );
  } else if (!STORE_SCHEMES[store.driver]!.test(store.url)) {
    problems.push(
      store.driver === 'postgres'
        ? 'appStore.url: expected postgres://user:password@host:5432/database'
        : 'appStore.url: expected mysql://user:password@host:3306/database',
    );
  }
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can reach them. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

const MIN_CONSOLE_TOKEN = 16;

function checkConsole(config: HeraldConfig, problems: string[]): void {
  const c = config.console;
  if (!c) return;
  if (c.token !== undefined && c.token.length < MIN_CONSOLE_TOKEN) {
    problems.push(`console.token: must be at least ${MIN_CONSOLE_TOKEN} characters`);
  }
  // A generated token is printed in a terminal; a console reachable from elsewhere needs one chosen on purpose.
  if (c.enabled && c.token === undefined && !isLoopback(c.host)) {
    problems.push(
      `console.token: is required when console.host (${c.host}) is not a loopback address: set HERALD_CONSOLE_TOKEN, or bind 127.0.0.1`,
    );
  }
}

/**
 * A webhook URL that cannot work, or that would put credentials in logs and dead letters, is a start-up
 * error rather than a stream of failed attempts later. The URL is never echoed with its credentials.
 */
function checkWebhookUrls(apps: AppConfig[], problems: string[]): void {
  apps.forEach((app, i) => {
    (app.webhooks ?? []).forEach((target, j) => {
      const where = `apps[${i}].webhooks[${j}].url`;
      let url: URL;
      try {
        url = new URL(target.url);
      } catch {
        problems.push(
          `${where}: expected an http:// or https:// URL, got ${JSON.stringify(redactUrl(target.url))}`,
        );
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        problems.push(`${where}: expected an http:// or https:// URL, got the scheme ${url.protocol}`);
      } else if (!url.hostname) {
        problems.push(`${where}: the URL has no host`);
      } else if ((url.username || url.password) && !target.allowUrlCredentials) {
        problems.push(
          `${where}: credentials in the URL (${redactUrl(target.url)}) end up in logs; send them in ` +
            '"headers" (e.g. Authorization), or set "allowUrlCredentials": true on this target',
        );
      }
    });
  });
}

/** Loads and validates; throws ConfigError naming every problem. */
export function loadConfig(sources: ConfigSources = {}): HeraldConfig {
  const problems: string[] = [];
  const env = sources.env ?? {};
  const flags = sources.flags ?? {};
  let raw: Record<string, unknown> = sources.file ? readFile(sources.file, problems) : {};
  if (sources.overrides) raw = deepMerge(raw, sources.overrides as Record<string, unknown>);

  const byFlag = new Map<string, [string, Field]>();
  walkFields(configSchema, '', (path, field) => {
    if (field.env && env[field.env] !== undefined && env[field.env] !== '') {
      const v = coerceScalar(field, env[field.env]!, field.env, problems);
      if (v !== undefined) setPath(raw, path, v);
    }
    if (field.flag) byFlag.set(field.flag, [path, field]);
  });

  if (env['HERALD_APPS']) {
    const v = coerceScalar(configSchema.fields['apps']!, env['HERALD_APPS'], 'HERALD_APPS', problems);
    if (v !== undefined) raw['apps'] = v;
  }
  const singleApp: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(appEnv)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const field = appField.fields[key]!;
    const v = coerceScalar(field, value, name, problems);
    if (v !== undefined) singleApp[key] = v;
  }
  if (Object.keys(singleApp).length > 0) {
    const apps = Array.isArray(raw['apps']) ? (raw['apps'] as Record<string, unknown>[]) : [];
    const first = apps[0] ?? (singleApp['id'] || singleApp['key'] ? {} : { ...DEV_APP, clientEvents: true });
    raw['apps'] = [{ ...first, ...singleApp }, ...apps.slice(1)];
  }

  for (const [name, value] of Object.entries(flags)) {
    if (name === 'config') continue;
    const entry = byFlag.get(name);
    if (!entry) {
      problems.push(`--${name}: unknown flag`);
      continue;
    }
    const v = coerceScalar(entry[1], value, `--${name}`, problems);
    if (v !== undefined) setPath(raw, entry[0], v);
  }

  if (raw['apps'] === undefined) raw['apps'] = [{ ...DEV_APP, clientEvents: true }];

  const config = validateField(configSchema, raw, '', problems) as HeraldConfig;
  if (config.adapter?.url && !config.adapter.redisUrl) config.adapter.redisUrl = config.adapter.url;
  if (
    config.adapter?.redisUrl &&
    !env['HERALD_ADAPTER'] &&
    !(raw['adapter'] as { driver?: string })?.driver
  ) {
    config.adapter.driver = 'redis';
  }
  if (config.adapter?.driver === 'redis' && !config.adapter.redisUrl) {
    problems.push('adapter.redisUrl: is required when adapter.driver is redis (or set HERALD_REDIS_URL)');
  }
  if (
    config.adapter?.redisUrl &&
    !/^(redis|rediss|redis-sentinel|redis-cluster):\/\/[^/?#]/.test(config.adapter.redisUrl)
  ) {
    problems.push(
      'adapter.redisUrl: expected redis://host:port, rediss://…, redis-sentinel://host:port,…/master or redis-cluster://host:port,…',
    );
  }
  if (config.appStore) checkAppStore(config.appStore, problems);
  const httpPath = config.httpTransports?.path;
  if (httpPath !== undefined && httpPath !== '' && !/^\/[^?#]*[^/?#]$/.test(httpPath)) {
    problems.push('httpTransports.path: expected a path like /pusher (leading slash, no trailing slash)');
  }
  checkConsole(config, problems);
  if (Array.isArray(config.apps)) {
    if (config.apps.length === 0) problems.push('apps: at least one app is required');
    checkApps(config.apps, problems);
    checkWebhookUrls(config.apps, problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** True when the config still uses the public development credentials. */
export function usesDevCredentials(config: HeraldConfig): boolean {
  return config.apps.some((a) => a.secret === DEV_APP.secret);
}
