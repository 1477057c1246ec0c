/**
 * `herald apps …` as an operator runs it: a child process against the configured store (PostgreSQL,
 * Herald's table), refusals and exit codes included.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dropPgTable, PG_URL, uniqueName } from '../helpers/databases.js';
import { freePort } from '../helpers/process.js';

const BIN = fileURLToPath(new URL('../../../bin/herald.js', import.meta.url));
const table = uniqueName();

after(() => dropPgTable(table));

function apps(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'apps', ...args],
      {
        env: {
          ...process.env,
          HERALD_APP_STORE_DRIVER: 'postgres',
          HERALD_APP_STORE_URL: PG_URL,
          HERALD_APP_STORE_TABLE: table,
          ...env,
        },
      },
      (error, out, err) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

test('herald apps: add prints the secret once, list/show never do, refusals are clear', async () => {
  const added = await apps([
    'add',
    '--id',
    'cli-1',
    '--key',
    'cli-key',
    '--client-events',
    'true',
    '--max-connections',
    '50',
  ]);
  assert.equal(added.code, 0, added.err);
  const secret = /secret:\s+([0-9a-f]{40})/.exec(added.out)?.[1];
  assert.ok(secret, added.out);
  assert.match(added.out, /never prints it again/);

  const list = await apps(['list']);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /cli-1\s+cli-key\s+yes\s+50/);
  assert.doesNotMatch(list.out, new RegExp(secret));
  const show = await apps(['show', 'cli-1', '--json']);
  assert.equal(JSON.parse(show.out).limits.maxConnections, 50);
  assert.doesNotMatch(show.out, new RegExp(secret));

  const dup = await apps(['add', '--id', 'cli-2', '--key', 'cli-key']);
  assert.equal(dup.code, 2);
  assert.match(dup.err, /an app with key "cli-key" already exists/);
  const badId = await apps(['add', '--id', 'a/b']);
  assert.equal(badId.code, 2);
  assert.match(badId.err, /invalid id "a\/b"/);
  const unknownOpt = await apps(['update', 'cli-1', '--colour', 'red']);
  assert.equal(unknownOpt.code, 2);
  assert.match(unknownOpt.err, /--colour: unknown option for herald apps update/);
  const missing = await apps(['disable', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no app with id "nope"/);
  const port = await freePort();
  const down = await apps(['list'], { HERALD_APP_STORE_URL: `postgres://postgres@127.0.0.1:${port}/test` });
  assert.equal(down.code, 1);
  assert.match(down.err, /cannot be reached/);
});

test('herald apps rotate-secret prints the new secret and when the old one stops; show says it too', async () => {
  const r = await apps(['rotate-secret', 'cli-1', '--grace', '3600']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /secret:\s+[0-9a-f]{40}/);
  const until = /accepted until (\S+)\./.exec(r.out)?.[1];
  assert.ok(until && !Number.isNaN(Date.parse(until)), r.out);
  const show = await apps(['show', 'cli-1']);
  assert.match(show.out, new RegExp(`old secret until:\\s+${until!.replace(/\./g, '\\.')}`));
  assert.equal((await apps(['disable', 'cli-1'])).code, 0);
  assert.equal((await apps(['remove', 'cli-1'])).code, 0);
  assert.match((await apps(['show', 'cli-1'])).err, /no app with id/);
});
