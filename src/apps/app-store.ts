/**
 * Where apps come from. `AppStore` is what the connection and HTTP paths read (always through the
 * cache in app-cache.ts); `AppSource` is the durable side behind it: the configuration file or a
 * PostgreSQL / MySQL table.
 */
import type { AppConfig } from '../config/config.js';

export interface AppStore {
  /** Throws `HeraldError('appStoreUnavailable')` when the app is unknown and the source cannot be asked. */
  byKey(key: string): Promise<AppConfig | undefined>;
  byId(id: string): Promise<AppConfig | undefined>;
  /** True when the store can answer (always for the in-memory store). */
  ready(): Promise<boolean>;
}

export type AppStoreErrorKind = 'duplicate' | 'notFound' | 'invalid' | 'readOnly' | 'unavailable';

/** A refusal from a store or its admin operations; the CLI and the admin API render it. */
export class AppStoreError extends Error {
  constructor(
    readonly kind: AppStoreErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'AppStoreError';
  }
}

/** How a source reports what happened behind Herald's back (another node, an operator's SQL). */
export interface SourceListener {
  /** These apps may have changed; `null`: any app may have (missed notifications, a reload). */
  changed(ids: readonly string[] | null): void;
  /** The source's change feed failed (the database went away); it keeps retrying. */
  failed(err: Error): void;
}

/** The durable side of an app store. Uncached: every call may reach the database. */
export interface AppSource {
  /** For messages: "postgres table herald_apps at 127.0.0.1:5432/test". */
  readonly description: string;
  /** The file source is read-only: apps change by editing the configuration. */
  readonly writable: boolean;
  /** Connects, creates or migrates the table, starts the change feed. */
  start(listener: SourceListener): Promise<void>;
  byKey(key: string): Promise<AppConfig | undefined>;
  byId(id: string): Promise<AppConfig | undefined>;
  list(): Promise<AppConfig[]>;
  /** Throws AppStoreError('duplicate') when the id or the key is taken. */
  insert(app: AppConfig): Promise<void>;
  /** Replaces the app with `app.id`; false when there is none. Throws 'duplicate' for a taken key. */
  replace(app: AppConfig): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Apps held in memory: the configuration's apps, replaced as a whole by a reload. */
export class ConfigAppStore implements AppStore {
  private keys = new Map<string, AppConfig>();
  private ids = new Map<string, AppConfig>();

  constructor(apps: readonly AppConfig[]) {
    this.set(apps);
  }

  set(apps: readonly AppConfig[]): void {
    const keys = new Map<string, AppConfig>();
    const ids = new Map<string, AppConfig>();
    for (const app of apps) {
      keys.set(app.key, app);
      ids.set(app.id, app);
    }
    this.keys = keys;
    this.ids = ids;
  }

  all(): AppConfig[] {
    return [...this.ids.values()];
  }

  async byKey(key: string): Promise<AppConfig | undefined> {
    return this.keys.get(key);
  }

  async byId(id: string): Promise<AppConfig | undefined> {
    return this.ids.get(id);
  }

  async ready(): Promise<boolean> {
    return true;
  }
}
