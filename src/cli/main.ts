/** `herald` command line: start a node, print help or version. Exit code 2 for configuration errors. */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import type { HeraldConfig } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/schema-dsl.js';
import { describeFdLimits, raiseFdLimit } from '../connections/fd-limit.js';
import { createHerald } from '../herald.js';
import { appsCommand } from './apps-cli.js';
import { parseArgs } from './args.js';
import { banner, type ConsoleBanner } from './banner.js';
import { importCommand } from './import-cli.js';
import { webhooksCommand } from './webhooks-cli.js';
import { CONSOLE_WORKER_ENV, startPrimary } from './workers.js';

export const EXIT_CONFIG = 2;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const HELP = `Usage: herald <command> [options]

Commands:
  start                 Start a Herald node (the default command)
  import soketi         A Herald config from soketi's config file or SOKETI_* variables (see herald import)
  webhooks status       Each webhook target's last outcome (ok, or failing with why and the next try)
  apps <command>        List, add, update, disable, enable, rotate-secret, remove apps (see herald apps)
  webhooks dead-letters List webhook batches that exhausted their retries
  webhooks replay       Re-queue dead-lettered webhook batches (ids or --all; see herald webhooks)

Options for start:
  --host <addr>         Address to listen on (HERALD_HOST, default 127.0.0.1)
  --port <n>            Port for WebSocket and HTTP API (HERALD_PORT, default 6001)
  --config <file>       JSON configuration file (HERALD_CONFIG)
  --path-prefix <p>     Prefix before /app and /apps (HERALD_PATH_PREFIX)
  --workers <n>         Worker processes sharing the port (HERALD_WORKERS, default 1)
  --redis-url <url>     Share state through Redis (HERALD_REDIS_URL)
  --metrics-port <n>    Prometheus metrics port (HERALD_METRICS_PORT, default 9601)
  --console <bool>      Serve the Herald Console (HERALD_CONSOLE, default true)
  --console-host <addr> Console address (HERALD_CONSOLE_HOST, default 127.0.0.1)
  --console-port <n>    Console port (HERALD_CONSOLE_PORT, default 9602)
  --log-level <level>   fatal|error|warn|info|debug|trace|silent (HERALD_LOG_LEVEL)
  -h, --help            Show this help
  -v, --version         Show the version

Precedence: flags, then environment variables, then the config file, then defaults.
Every setting is listed in docs/configuration.md.`;

export function configFromArgs(
  flags: Record<string, string>,
  env: Record<string, string | undefined> = process.env,
): HeraldConfig {
  const file = flags['config'] || env['HERALD_CONFIG'] || undefined;
  return loadConfig({ ...(file ? { file } : {}), env, flags });
}

async function start(flags: Record<string, string>): Promise<number> {
  let config: HeraldConfig;
  try {
    config = configFromArgs(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return EXIT_CONFIG;
    }
    throw err;
  }
  // Before anything opens descriptors; workers inherit the raised limit from the primary.
  const fdLimits = cluster.isWorker ? null : describeFdLimits(raiseFdLimit());
  if (config.workers > 1 && cluster.isPrimary) return startPrimary(config, fdLimits ?? '');
  // Under --workers one worker serves the console (src/cli/workers.ts).
  if (cluster.isWorker && process.env[CONSOLE_WORKER_ENV] !== '1') config.console.enabled = false;
  const file = flags['config'] || process.env['HERALD_CONFIG'] || undefined;
  const herald = createHerald(config, {
    // The file store re-reads flags, env and file exactly as at start, on SIGHUP and file change.
    fileReload: { reload: () => configFromArgs(flags).apps, ...(file ? { file } : {}) },
  });
  let port: number;
  let consoleAt: ConsoleBanner | undefined;
  try {
    const bound = await herald.listen();
    port = bound.port;
    if (bound.console && herald.console) {
      consoleAt = {
        url: bound.console.url,
        ...(herald.console.generated ? { generatedToken: herald.console.token } : {}),
      };
    }
  } catch (err) {
    // A taken port is an operator's problem to fix, not a crash: one line naming it, no stack.
    const e = err as NodeJS.ErrnoException;
    console.error(
      e.code === 'EADDRINUSE'
        ? `Cannot listen on ${config.host}:${config.port}: the address is in use (choose another with --port / HERALD_PORT)`
        : `Cannot start: ${e.message}`,
    );
    await herald.close().catch(() => undefined);
    return 1;
  }
  // Under --workers the primary prints it, once for all workers.
  if (!cluster.isWorker) console.log(banner(config, port, consoleAt, fdLimits ? [fdLimits] : []));
  else if (consoleAt) process.send?.({ heraldConsole: consoleAt.url });

  let signals = 0;
  const stop = (signal: string) => {
    signals++;
    // A worker hears the primary's SIGTERM and often the same signal sent to the whole group (Ctrl-C,
    // systemd's control-group kill): that is not "again". The primary's second signal SIGKILLs workers.
    if (signals > 1 && !cluster.isWorker) {
      console.error(`${signal} again: exiting now`);
      process.exit(1);
    }
    console.error(`${signal}: draining connections over ${config.shutdownTimeout}s (send again to exit now)`);
    herald.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGHUP', () => {
    herald.reloadApps();
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return new Promise<number>(() => {
    // Runs until a signal ends the process.
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.switches.has('version') || args.switches.has('v')) {
    console.log(version());
    return 0;
  }
  if (args.switches.has('help') || args.switches.has('h') || args.command === 'help') {
    console.log(HELP);
    return 0;
  }
  switch (args.command ?? 'start') {
    case 'start':
      return start(args.flags);
    case 'import':
      return importCommand(args);
    case 'webhooks':
      return webhooksCommand(args);
    case 'apps':
      return appsCommand(args);
    default:
      console.error(`Unknown command: ${args.command}\n\n${HELP}`);
      return EXIT_CONFIG;
  }
}
