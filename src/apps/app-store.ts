/** Where apps come from. The config-backed store is the default; a SQL store can follow. */
import type { AppConfig } from '../config/config.js';

export interface AppStore {
  byKey(key: string): Promise<AppConfig | undefined>;
  byId(id: string): Promise<AppConfig | undefined>;
  /** True when the store can answer (always for the in-memory store). */
  ready(): Promise<boolean>;
}

/** Apps from the validated configuration, looked up in O(1). */
export class ConfigAppStore implements AppStore {
  private readonly keys = new Map<string, AppConfig>();
  private readonly ids = new Map<string, AppConfig>();

  constructor(apps: readonly AppConfig[]) {
    for (const app of apps) {
      this.keys.set(app.key, app);
      this.ids.set(app.id, app);
    }
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
