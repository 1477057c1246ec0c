/**
 * `herald apps list | show | add | update | disable | enable | rotate-secret | remove`, against the
 * configured app store (the same flags, env and config file as `herald start`). Secrets are printed
 * once: by `add` and `rotate-secret`.
 */
import { AppAdmin, type AppView, DEFAULT_GRACE_SECONDS } from '../apps/app-admin.js';
import { AppStoreError } from '../apps/app-store.js';
import { openAppSource } from '../apps/open-source.js';
import type { AppConfig, HeraldConfig } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { appField, configSchema } from '../config/schema.js';
import { ConfigError, coerceScalar, type Field, walkFields } from '../config/schema-dsl.js';
import { silentLogger } from '../logging/logger.js';
import type { ParsedArgs } from './args.js';

export const APPS_HELP = `Usage: herald apps <command> [options]   (against the configured app store)

  list [--json]                         Every app: id, key, enabled, limits, webhooks (never secrets)
  show <id> [--json]                    One app's settings
  add [--id ID] [--key KEY] [settings]  Create an app; id, key and secret are generated when not given
  update <id> [settings]                Change settings (limits merge, --webhooks replaces)
  disable <id> | enable <id>            Refuse (4003) or accept the app's connections
  rotate-secret <id> [--grace SECONDS]  New secret; the old one still signs for SECONDS (default ${DEFAULT_GRACE_SECONDS})
  remove <id>                           Delete the app; its connections close with 4001

Settings: ${appOptionNames().join(', ')}
  (e.g. --client-events true --max-connections 500 --webhooks '[{"url":"https://example.com/hook"}]')
The store comes from appStore.* (--app-store, --app-store-url, HERALD_APP_STORE_*, --config).
The file store is read-only here: edit the configuration and send SIGHUP.`;

const COMMANDS = ['list', 'show', 'add', 'update', 'disable', 'enable', 'rotate-secret', 'remove'];

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** App settings as flags: top-level switches, every limit, and webhooks as JSON. */
function appOptions(): Map<string, { path: string[]; field: Field }> {
  const out = new Map<string, { path: string[]; field: Field }>();
  for (const [name, field] of Object.entries(appField.fields)) {
    if (name === 'secret' || name.startsWith('previousSecret')) continue;
    if (name === 'limits' && field.kind === 'object') {
      for (const [limit, f] of Object.entries(field.fields))
        out.set(kebab(limit), { path: ['limits', limit], field: f });
    } else {
      out.set(kebab(name), { path: [name], field });
    }
  }
  return out;
}

function appOptionNames(): string[] {
  return [...appOptions().keys()].map((n) => `--${n}`);
}

function configFlagNames(): Set<string> {
  const out = new Set<string>(['config']);
  walkFields(configSchema, '', (_p, f) => {
    if (f.flag) out.add(f.flag);
  });
  return out;
}

class Usage extends Error {}

/** Splits flags into app settings and configuration flags; anything else is an unknown option. */
function splitFlags(
  args: ParsedArgs,
  sub: string,
): { settings: Record<string, unknown>; config: Record<string, string> } {
  const options = appOptions();
  const configFlags = configFlagNames();
  const settings: Record<string, unknown> = {};
  const config: Record<string, string> = {};
  const problems: string[] = [];
  const takesSettings = sub === 'add' || sub === 'update';
  for (const [name, value] of Object.entries(args.flags)) {
    if (configFlags.has(name)) {
      config[name] = value;
      continue;
    }
    if (name === 'grace' && sub === 'rotate-secret') continue;
    const opt = takesSettings ? options.get(name) : undefined;
    if (!opt) {
      problems.push(`--${name}: unknown option for herald apps ${sub}`);
      continue;
    }
    const v = coerceScalar(opt.field, value, `--${name}`, problems);
    if (v === undefined) continue;
    if (opt.path.length === 2) {
      const limits = (settings['limits'] ?? {}) as Record<string, unknown>;
      limits[opt.path[1]!] = v;
      settings['limits'] = limits;
    } else settings[opt.path[0]!] = v;
  }
  if (problems.length > 0) throw new Usage(problems.join('\n'));
  return { settings, config };
}

function table(apps: AppView[]): string {
  const rows = apps.map((a) => [
    a.id,
    a.key,
    a.enabled ? 'yes' : 'no',
    a.limits.maxConnections === 0 ? 'unlimited' : String(a.limits.maxConnections),
    String(a.webhooks.length),
    a.previousSecretExpiresAt ?? '',
  ]);
  const head = ['id', 'key', 'enabled', 'max connections', 'webhooks', 'old secret until'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function describe(a: AppView): string {
  const lines = [
    `id:                 ${a.id}`,
    `key:                ${a.key}`,
    `enabled:            ${a.enabled}`,
    `client events:      ${a.clientEvents}`,
    `user auth:          ${a.userAuthentication}`,
  ];
  if (a.previousSecretExpiresAt) lines.push(`old secret until:   ${a.previousSecretExpiresAt}`);
  lines.push(`limits:             ${JSON.stringify(a.limits)}`);
  lines.push(`webhooks:           ${a.webhooks.length === 0 ? 'none' : ''}`);
  for (const w of a.webhooks) lines.push(`  ${w.url} (${w.events.join(', ')})`);
  return lines.join('\n');
}

function credentials(app: AppConfig, note: string): string {
  return [
    `id:      ${app.id}`,
    `key:     ${app.key}`,
    `secret:  ${app.secret}`,
    '',
    `${note} Store the secret now: Herald never prints it again.`,
  ].join('\n');
}

export async function appsCommand(
  args: ParsedArgs,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const [sub, id, ...extra] = args.positionals;
  if (!sub || !COMMANDS.includes(sub)) {
    console.error(sub ? `Unknown apps command: ${sub}\n\n${APPS_HELP}` : APPS_HELP);
    return 2;
  }
  let split: ReturnType<typeof splitFlags>;
  let config: HeraldConfig;
  try {
    split = splitFlags(args, sub);
    const needsId = sub !== 'list' && sub !== 'add';
    if (needsId && !id) throw new Usage(`herald apps ${sub} needs an app id`);
    if (extra.length > 0 || (!needsId && id))
      throw new Usage(`unexpected argument: ${[id, ...extra].filter(Boolean)[needsId ? 1 : 0]}`);
    const file = split.config['config'] || env['HERALD_CONFIG'] || undefined;
    config = loadConfig({ ...(file ? { file } : {}), env, flags: split.config });
  } catch (err) {
    if (err instanceof Usage) {
      console.error(`${err.message}\n\n${APPS_HELP}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const source = openAppSource(config, silentLogger());
  const admin = new AppAdmin(source);
  const json = args.switches.has('json');
  try {
    try {
      await source.start({ changed: () => undefined, failed: () => undefined });
    } catch (err) {
      console.error(`The app store (${source.description}) cannot be reached: ${(err as Error).message}`);
      return 1;
    }
    switch (sub) {
      case 'list': {
        const apps = await admin.list();
        if (json) console.log(JSON.stringify(apps, null, 2));
        else if (apps.length === 0) console.log(`No apps in ${source.description}.`);
        else console.log(table(apps));
        return 0;
      }
      case 'show': {
        const app = await admin.show(id!);
        console.log(json ? JSON.stringify(app, null, 2) : describe(app));
        return 0;
      }
      case 'add': {
        const app = await admin.add(split.settings);
        console.log(
          credentials(app, `App ${app.id} added to ${source.description}; every node accepts it now.`),
        );
        return 0;
      }
      case 'update': {
        if (Object.keys(split.settings).length === 0) throw new Usage('name at least one setting to change');
        const app = await admin.update(id!, split.settings);
        console.log(json ? JSON.stringify(app, null, 2) : describe(app));
        return 0;
      }
      case 'disable':
      case 'enable': {
        await admin.setEnabled(id!, sub === 'enable');
        console.log(
          sub === 'enable'
            ? `App ${id} enabled.`
            : `App ${id} disabled: its connections are closed with 4003 and new ones refused.`,
        );
        return 0;
      }
      case 'rotate-secret': {
        const raw = args.flags['grace'];
        const grace = raw === undefined ? DEFAULT_GRACE_SECONDS : Number(raw);
        if (raw !== undefined && !/^\d+$/.test(raw))
          throw new Usage(`--grace: expected seconds, got ${JSON.stringify(raw)}`);
        const app = await admin.rotateSecret(id!, grace);
        const note = app.previousSecretExpiresAt
          ? `Secret of app ${id} rotated; the old secret is accepted until ${app.previousSecretExpiresAt}.`
          : `Secret of app ${id} rotated; the old secret is refused from now on.`;
        console.log(credentials(app, note));
        return 0;
      }
      case 'remove': {
        await admin.remove(id!);
        console.log(`App ${id} removed; its connections are closed with 4001.`);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof Usage) {
      console.error(`${err.message}\n\n${APPS_HELP}`);
      return 2;
    }
    if (err instanceof AppStoreError) {
      console.error(err.kind === 'invalid' ? err.message.split('; ').join('\n') : err.message);
      return err.kind === 'notFound' || err.kind === 'unavailable' ? 1 : 2;
    }
    console.error(`The app store (${source.description}) failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await source.close();
  }
}
