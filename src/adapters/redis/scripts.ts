/**
 * The adapter's Lua scripts (the .lua files beside this module, each with a KEYS/ARGV header),
 * registered on a client with ioredis `defineCommand`, which runs them by SHA and loads them on a miss.
 */
import { readFileSync } from 'node:fs';
import type { RedisClient } from './connect.js';

/** Script name → [file, number of KEYS, whether it needs the membership version prelude]. */
const SCRIPTS = {
  subscribe: ['subscribe.lua', 1],
  unsubscribe: ['unsubscribe.lua', 1],
  memberAdd: ['member-add.lua', 4, true],
  memberRemove: ['member-remove.lua', 4, true],
  members: ['members.lua', 2, true],
  syncChannel: ['sync-channel.lua', 5, true],
  userAdd: ['user-add.lua', 1],
  userRemove: ['user-remove.lua', 1],
  syncUser: ['sync-user.lua', 1],
  heartbeat: ['heartbeat.lua', 3],
  cacheGet: ['cache-get.lua', 1],
} as const satisfies Record<string, readonly [string, number, boolean?]>;

export type ScriptName = keyof typeof SCRIPTS;

function readLua(file: string): string {
  // `npm run build` copies the .lua files beside the compiled module (scripts/copy-assets.mjs).
  return readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
}

let sources: Map<ScriptName, string> | null = null;

export function defineScripts(client: RedisClient): void {
  sources ??= new Map(
    Object.entries(SCRIPTS).map(
      ([name, [file, , versioned]]: readonly [string, readonly [string, number, boolean?]]) => [
        name as ScriptName,
        versioned ? `${readLua('version.lua')}\n${readLua(file)}` : readLua(file),
      ],
    ),
  );
  for (const [name, [, keys]] of Object.entries(SCRIPTS)) {
    client.defineCommand(`herald_${name}`, { numberOfKeys: keys, lua: sources.get(name as ScriptName)! });
  }
}

export function runScript(
  client: RedisClient,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const fn = (client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[
    `herald_${name}`
  ]!;
  return fn.call(client, ...keys, ...args);
}
