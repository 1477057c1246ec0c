/**
 * The `file` app store: the apps of the configuration (file, env, flags), reloaded without a restart
 * on SIGHUP (the CLI calls `reload`) and when the file changes. A configuration that does not
 * validate is refused with the messages `herald start` would print, and the running apps stay.
 */
import { type FSWatcher, watch } from 'node:fs';
import type { AppConfig } from '../config/config.js';
import { ConfigError } from '../config/schema-dsl.js';
import type { Logger } from '../logging/logger.js';
import { type AppSource, AppStoreError, ConfigAppStore, type SourceListener } from './app-store.js';

export interface FileSourceOptions {
  apps: readonly AppConfig[];
  /** Reads and validates the configuration again; throws ConfigError. Absent: nothing to reload. */
  reload?: () => AppConfig[];
  /** The configuration file to watch, if any. */
  file?: string;
  logger: Logger;
}

export type ReloadResult = { ok: true; changed: number } | { ok: false; problems: string[] };

const READ_ONLY =
  'the file store is read-only: edit the configuration file, then send SIGHUP (Herald also reloads it when the file changes)';

export class FileAppSource implements AppSource {
  readonly writable = false;
  readonly description: string;
  private readonly apps: ConfigAppStore;
  private listener: SourceListener | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;

  constructor(private readonly options: FileSourceOptions) {
    this.apps = new ConfigAppStore(options.apps);
    this.description = options.file ? `the configuration file ${options.file}` : 'the configuration';
  }

  async start(listener: SourceListener): Promise<void> {
    this.listener = listener;
    if (!this.options.file || !this.options.reload) return;
    // Editors replace files (rename) as often as they write them: watch the file and re-arm on rename.
    this.watchFile();
  }

  private watchFile(): void {
    const file = this.options.file!;
    try {
      this.watcher = watch(file, { persistent: false }, (type) => {
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => {
          this.debounce = null;
          if (type === 'rename') {
            this.watcher?.close();
            this.watchFile();
          }
          this.reload('file changed');
        }, 100);
        this.debounce.unref();
      });
    } catch (err) {
      this.options.logger.warn({ err, file }, 'cannot watch the configuration file; SIGHUP still reloads it');
    }
  }

  /** Reads the configuration again; on success the listener hears which apps changed. */
  reload(reason = 'SIGHUP'): ReloadResult {
    if (!this.options.reload) return { ok: true, changed: 0 };
    let next: AppConfig[];
    try {
      next = this.options.reload();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.options.logger.error(
        { reason, problems: err.problems },
        `configuration reload refused, the running apps stay in force. ${err.message}`,
      );
      return { ok: false, problems: err.problems };
    }
    const before = new Map(this.apps.all().map((a) => [a.id, JSON.stringify(a)]));
    const changed: string[] = [];
    for (const app of next) if (before.get(app.id) !== JSON.stringify(app)) changed.push(app.id);
    const nextIds = new Set(next.map((a) => a.id));
    for (const id of before.keys()) if (!nextIds.has(id)) changed.push(id);
    this.apps.set(next);
    this.options.logger.info({ reason, changed }, 'configuration reloaded: apps updated');
    if (changed.length > 0) this.listener?.changed(changed);
    return { ok: true, changed: changed.length };
  }

  byKey(key: string): Promise<AppConfig | undefined> {
    return this.apps.byKey(key);
  }

  byId(id: string): Promise<AppConfig | undefined> {
    return this.apps.byId(id);
  }

  async list(): Promise<AppConfig[]> {
    return this.apps.all();
  }

  async insert(): Promise<void> {
    throw new AppStoreError('readOnly', READ_ONLY);
  }

  async replace(): Promise<boolean> {
    throw new AppStoreError('readOnly', READ_ONLY);
  }

  async remove(): Promise<boolean> {
    throw new AppStoreError('readOnly', READ_ONLY);
  }

  async close(): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = null;
  }
}
