/**
 * The app store Herald reads on every connection and API request: apps cached by key and by id in
 * front of an `AppSource`, so lookups stay off the database.
 *
 * - A known app is answered from memory. Past `ttlMs` it is still answered at once and re-read in the
 *   background; changes announced by the source (NOTIFY, a version poll, a reload) re-read it sooner.
 * - An unknown key or id is remembered as missing for `ttlMs` (bounded), so a flood of bad keys costs
 *   one query per key; any change announced by the source forgets them (a new app is accepted at once).
 * - Concurrent lookups of one key share one query.
 * - While the source is down, known apps keep working; an unknown key throws `appStoreUnavailable`.
 *   The outage is logged once, and its end once.
 */
import type { AppConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { HeraldError } from '../protocol/errors.js';
import type { AppSource, AppStore, SourceListener } from './app-store.js';

/** One app's change as this node saw it: `before` undefined on first load, `after` undefined when removed. */
export interface AppUpdate {
  id: string;
  before: AppConfig | undefined;
  after: AppConfig | undefined;
}

interface Entry {
  app: AppConfig;
  /** Serialised form, to tell a real change from a re-read. */
  json: string;
  loadedAt: number;
}

const MAX_MISSING = 10_000;

export class AppCache implements AppStore, SourceListener {
  private readonly entries = new Map<string, Entry>();
  private readonly idByKey = new Map<string, string>();
  private readonly missingKeys = new Map<string, number>();
  private readonly missingIds = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<AppConfig | undefined>>();
  private readonly listeners = new Set<(u: AppUpdate) => void>();
  private downSince: number | null = null;

  constructor(
    readonly source: AppSource,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): Promise<void> {
    return this.source.start(this);
  }

  close(): Promise<void> {
    return this.source.close();
  }

  /** Hears every app this node loads, changes or loses. Returns the unsubscribe. */
  onUpdate(listener: (u: AppUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The cached app, without any I/O (webhook dispatch on the hot path). */
  peek(id: string): AppConfig | undefined {
    return this.entries.get(id)?.app;
  }

  async ready(): Promise<boolean> {
    return true;
  }

  byKey(key: string): Promise<AppConfig | undefined> {
    const id = this.idByKey.get(key);
    const entry = id === undefined ? undefined : this.entries.get(id);
    if (entry) return Promise.resolve(this.fresh(entry));
    const missing = this.missingKeys.get(key);
    if (missing !== undefined && this.now() - missing < this.ttlMs) return Promise.resolve(undefined);
    return this.load(`k:${key}`, () => this.source.byKey(key), this.missingKeys, key);
  }

  byId(id: string): Promise<AppConfig | undefined> {
    const entry = this.entries.get(id);
    if (entry) return Promise.resolve(this.fresh(entry));
    const missing = this.missingIds.get(id);
    if (missing !== undefined && this.now() - missing < this.ttlMs) return Promise.resolve(undefined);
    return this.load(`i:${id}`, () => this.source.byId(id), this.missingIds, id);
  }

  /** Serves the entry; an old one is re-read in the background. */
  private fresh(entry: Entry): AppConfig {
    if (this.now() - entry.loadedAt >= this.ttlMs) {
      entry.loadedAt = this.now(); // one re-read per period, not one per lookup
      void this.reread([entry.app.id]);
    }
    return entry.app;
  }

  private load(
    flight: string,
    query: () => Promise<AppConfig | undefined>,
    missing: Map<string, number>,
    name: string,
  ): Promise<AppConfig | undefined> {
    const pending = this.inflight.get(flight);
    if (pending) return pending;
    const p = query().then(
      (app) => {
        this.up();
        if (app) this.store(app);
        else {
          if (missing.size >= MAX_MISSING) missing.delete(missing.keys().next().value!);
          missing.set(name, this.now());
        }
        return app;
      },
      (err: unknown) => {
        this.down(err as Error);
        throw new HeraldError('appStoreUnavailable', `App store unavailable: cannot look up ${name}`);
      },
    );
    this.inflight.set(flight, p);
    void p.then(
      () => this.inflight.delete(flight),
      () => this.inflight.delete(flight),
    );
    return p;
  }

  /** Records an app read from the source and tells listeners when it is new or different. */
  private store(app: AppConfig): void {
    const json = JSON.stringify(app);
    const old = this.entries.get(app.id);
    if (old && old.json === json) {
      old.loadedAt = this.now();
      return;
    }
    if (old && old.app.key !== app.key) this.idByKey.delete(old.app.key);
    this.entries.set(app.id, { app, json, loadedAt: this.now() });
    this.idByKey.set(app.key, app.id);
    this.missingKeys.delete(app.key);
    this.missingIds.delete(app.id);
    this.emit({ id: app.id, before: old?.app, after: app });
  }

  private forget(id: string): void {
    const old = this.entries.get(id);
    if (!old) return;
    this.entries.delete(id);
    this.idByKey.delete(old.app.key);
    this.emit({ id, before: old.app, after: undefined });
  }

  private emit(update: AppUpdate): void {
    for (const l of this.listeners) {
      try {
        l(update);
      } catch (err) {
        this.logger.error({ err, app: update.id }, 'applying an app change failed');
      }
    }
  }

  // SourceListener

  changed(ids: readonly string[] | null): void {
    // A new app may hide behind any change: unknown keys are asked again.
    this.missingKeys.clear();
    this.missingIds.clear();
    void this.reread(ids);
  }

  /** A write made through this node: applied here before the admin call answers, not when NOTIFY arrives. */
  async wrote(id: string): Promise<void> {
    this.missingKeys.clear();
    this.missingIds.clear();
    await this.reread([id]);
  }

  failed(err: Error): void {
    this.down(err);
  }

  /** Re-reads the given cached apps (all when null); chained so answers apply in order. */
  private reread(ids: readonly string[] | null): Promise<void> {
    const next = this.queue.then(() => this.rereadNow(ids));
    this.queue = next;
    return next;
  }

  private queue: Promise<void> = Promise.resolve();

  private async rereadNow(ids: readonly string[] | null): Promise<void> {
    try {
      if (ids === null) {
        const all = await this.source.list();
        this.up();
        const seen = new Set<string>();
        for (const app of all) {
          seen.add(app.id);
          if (this.entries.has(app.id)) this.store(app);
        }
        for (const id of [...this.entries.keys()]) if (!seen.has(id)) this.forget(id);
        return;
      }
      for (const id of new Set(ids)) {
        if (!this.entries.has(id)) continue;
        const app = await this.source.byId(id);
        this.up();
        if (app) this.store(app);
        else this.forget(id);
      }
    } catch (err) {
      this.down(err as Error);
    }
  }

  private down(err: Error): void {
    if (this.downSince !== null) return;
    this.downSince = this.now();
    this.logger.error(
      { err: err.message, store: this.source.description, cachedApps: this.entries.size },
      'app store unreachable: known apps keep working from the cache, unknown keys are refused (4100 / 503)',
    );
  }

  private up(): void {
    if (this.downSince === null) return;
    const downMs = this.now() - this.downSince;
    this.downSince = null;
    this.logger.info({ store: this.source.description, downMs }, 'app store reachable again');
    // Changes made during the outage were not announced.
    this.changed(null);
  }
}
