/**
 * The operations behind `herald apps …` and the admin HTTP API, on the configured app source.
 * Input is validated by the same schema as the configuration file, so refusals read the same.
 * Secrets leave this module only from `add` and `rotateSecret`; every other answer is an `AppView`.
 */
import { randomInt } from 'node:crypto';
import type { AppConfig } from '../config/config.js';
import { checkPreviousSecret } from '../config/load.js';
import { appField } from '../config/schema.js';
import { validateField } from '../config/schema-dsl.js';
import { type AppSource, AppStoreError } from './app-store.js';
import { randomCredential, rotated } from './secrets.js';

/** An app as shown: everything but its secrets, plus when a rotated-out secret stops working. */
export type AppView = Omit<AppConfig, 'secret' | 'previousSecret'>;

export function view(app: AppConfig): AppView {
  const { secret: _s, previousSecret: _p, ...rest } = app;
  return rest;
}

/** Ids and keys travel in URL paths (/apps/{id}, /app/{key}): keep them plain. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
const NAME_RULE = 'letters, digits, ".", "_" and "-", starting with a letter or digit, at most 255';

/** Default grace period of a rotation: long enough for every deploy to pick up the new secret. */
export const DEFAULT_GRACE_SECONDS = 24 * 3600;

function validate(raw: Record<string, unknown>): AppConfig {
  const problems: string[] = [];
  const app = validateField(appField, raw, 'app', problems) as AppConfig;
  problems.push(...checkPreviousSecret(app).map((p) => `app.${p}`));
  if (typeof app.id === 'string' && !NAME.test(app.id))
    problems.push(`app.id: invalid id ${JSON.stringify(app.id)} (${NAME_RULE})`);
  if (typeof app.key === 'string' && !NAME.test(app.key))
    problems.push(`app.key: invalid key ${JSON.stringify(app.key)} (${NAME_RULE})`);
  if (problems.length > 0) throw new AppStoreError('invalid', problems.join('; '));
  return app;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class AppAdmin {
  constructor(
    readonly source: AppSource,
    private readonly now: () => number = Date.now,
    /** Called after each write, so this node's cache holds it before the answer goes out. */
    private readonly wrote: (id: string) => Promise<void> = async () => undefined,
  ) {}

  async list(): Promise<AppView[]> {
    return (await this.source.list()).map(view);
  }

  async show(id: string): Promise<AppView> {
    return view(await this.get(id));
  }

  /** Creates an app; id, key and secret are generated when not given. The answer holds the secret. */
  async add(input: Record<string, unknown>): Promise<AppConfig> {
    if ('previousSecret' in input || 'previousSecretExpiresAt' in input)
      throw new AppStoreError('invalid', 'app.previousSecret: set by rotate-secret only');
    const app = validate({
      id: String(randomInt(1_000_000, 10_000_000)),
      key: randomCredential(10),
      secret: randomCredential(20),
      ...input,
    });
    await this.source.insert(app);
    await this.wrote(app.id);
    return app;
  }

  /** Changes settings; `limits` merge into the current ones, `webhooks` replace them. */
  async update(id: string, patch: Record<string, unknown>): Promise<AppView> {
    for (const k of ['id', 'secret', 'previousSecret', 'previousSecretExpiresAt']) {
      if (k in patch) {
        throw new AppStoreError(
          'invalid',
          k === 'id'
            ? 'app.id: an app keeps its id (remove it and add another)'
            : `app.${k}: change secrets with rotate-secret`,
        );
      }
    }
    const current = await this.get(id);
    const limits = isObject(patch['limits']) ? { ...current.limits, ...patch['limits'] } : current.limits;
    const next = validate({ ...current, ...patch, limits });
    return view(await this.write(next));
  }

  setEnabled(id: string, enabled: boolean): Promise<AppView> {
    return this.update(id, { enabled });
  }

  /** A new secret; the old one keeps signing for `graceSeconds` (0: refused at once). */
  async rotateSecret(id: string, graceSeconds = DEFAULT_GRACE_SECONDS): Promise<AppConfig> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0)
      throw new AppStoreError('invalid', `grace: expected a whole number of seconds, got ${graceSeconds}`);
    const next = rotated(await this.get(id), this.now(), graceSeconds * 1000);
    return this.write(next);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.source.remove(id))) throw this.notFound(id);
    await this.wrote(id);
  }

  private async get(id: string): Promise<AppConfig> {
    const app = await this.source.byId(id);
    if (!app) throw this.notFound(id);
    return app;
  }

  private async write(app: AppConfig): Promise<AppConfig> {
    if (!(await this.source.replace(app))) throw this.notFound(app.id);
    await this.wrote(app.id);
    return app;
  }

  private notFound(id: string): AppStoreError {
    return new AppStoreError('notFound', `no app with id ${JSON.stringify(id)}`);
  }
}
