/**
 * `herald webhooks status`, `dead-letters` and `replay`: operator access to the durable (Redis) webhook
 * queue. They read the same configuration as `start` (flags, env, HERALD_CONFIG).
 */
import type { HeraldConfig } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/schema-dsl.js';
import { redactUrl } from '../logging/redact-url.js';
import { RedisWebhookQueue } from '../webhooks/redis-queue.js';
import type { DeadLetter } from '../webhooks/webhook-queue.js';
import type { ParsedArgs } from './args.js';
import { columns, statusTable, targetStatuses } from './webhooks-status.js';

export const WEBHOOKS_HELP = `Usage:
  herald webhooks status [--json] [--redis-url URL] [--config FILE]
      Each configured target and its last attempt: ok, or failing (status code or error, since when,
      next try).
  herald webhooks dead-letters [--json] [--limit N] [--redis-url URL] [--config FILE]
      List webhook batches that exhausted their retry window, oldest first.
  herald webhooks replay (<id>... | --all) [--restamp] [--redis-url URL] [--config FILE]
      Move dead-lettered batches back to the queue with a fresh retry window; any running node sends
      them. They keep their X-Herald-Webhook-Id; --restamp sets time_ms to now (for receivers that
      reject old webhooks, like the Python SDK past 300 s).

All need the Redis queue (adapter.redisUrl / HERALD_REDIS_URL) and its prefix (HERALD_REDIS_PREFIX).`;

const MEMORY_STATUS_MESSAGE = `No shared webhook queue is configured (adapter.redisUrl / HERALD_REDIS_URL is unset): each node keeps
its targets' outcomes in its own memory, out of this command's reach. A node logs a target's first failed
attempt at warn (status code or error, next try), then at most one line a minute while it keeps failing,
and a line when it recovers. Set HERALD_REDIS_URL (or --redis-url) to see the last outcomes here.`;

const MEMORY_QUEUE_MESSAGE = `No durable webhook queue is configured (adapter.redisUrl / HERALD_REDIS_URL is unset), so there is nothing to list or replay.
Without Redis, webhooks wait in each node's memory: their dead letters are lost when the node stops.
Set HERALD_REDIS_URL (or --redis-url) to keep webhook batches across restarts and manage them here.`;

/** Flags that belong to these commands, not to the configuration. */
const OWN_FLAGS = ['limit'];

function table(dead: DeadLetter[]): string {
  const rows = dead.map((d) => [
    d.id,
    d.appId,
    String(d.events),
    String(d.attempts),
    new Date(d.deadAt).toISOString(),
    redactUrl(d.url),
    d.reason,
  ]);
  return columns(['id', 'app', 'events', 'attempts', 'dead since', 'url', 'reason'], rows);
}

export async function webhooksCommand(
  args: ParsedArgs,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const [sub, ...ids] = args.positionals;
  if (sub !== 'dead-letters' && sub !== 'replay' && sub !== 'status') {
    console.error(sub ? `Unknown webhooks command: ${sub}\n\n${WEBHOOKS_HELP}` : WEBHOOKS_HELP);
    return 2;
  }
  const configFlags = { ...args.flags };
  for (const f of OWN_FLAGS) delete configFlags[f];
  let config: HeraldConfig;
  try {
    const file = configFlags['config'] || env['HERALD_CONFIG'] || undefined;
    config = loadConfig({ ...(file ? { file } : {}), env, flags: configFlags });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const url = config.adapter.redisUrl;
  if (!url) {
    if (sub === 'status') {
      console.log(statusTable(targetStatuses(config, [])).replaceAll('never tried', 'unknown (in memory)'));
      console.error(`\n${MEMORY_STATUS_MESSAGE}`);
    } else console.error(MEMORY_QUEUE_MESSAGE);
    return 2;
  }
  const queue = new RedisWebhookQueue({ url, prefix: config.adapter.prefix });
  try {
    if (sub === 'status') {
      const statuses = targetStatuses(config, await queue.outcomes());
      console.log(args.switches.has('json') ? JSON.stringify(statuses, null, 2) : statusTable(statuses));
      return statuses.some((s) => s.last && !s.last.ok) ? 1 : 0;
    }
    if (sub === 'dead-letters') {
      const limit = args.flags['limit'] ? Number(args.flags['limit']) : undefined;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
        console.error(`--limit: expected a positive integer, got ${JSON.stringify(args.flags['limit'])}`);
        return 2;
      }
      const dead = await queue.deadLetters(limit);
      if (args.switches.has('json')) console.log(JSON.stringify(dead, null, 2));
      else if (dead.length === 0) console.log('No dead-lettered webhook batches.');
      else console.log(table(dead));
      return 0;
    }
    const all = args.switches.has('all');
    if (!all && ids.length === 0) {
      console.error('Name the batch ids to replay, or pass --all.\n\n' + WEBHOOKS_HELP);
      return 2;
    }
    const n = await queue.replay(all ? 'all' : ids, {
      now: Date.now(),
      restamp: args.switches.has('restamp'),
    });
    const missing = all ? 0 : ids.length - n;
    console.log(
      `Re-queued ${n} webhook batch${n === 1 ? '' : 'es'}; a running Herald node with the same Redis sends them.` +
        (missing > 0
          ? ` ${missing} id${missing === 1 ? ' was' : 's were'} not in the dead-letter list.`
          : ''),
    );
    return missing > 0 ? 1 : 0;
  } catch (err) {
    console.error(`Redis at ${redactUrl(url)} is not reachable: ${(err as Error).message}`);
    return 1;
  } finally {
    await queue.close();
  }
}
