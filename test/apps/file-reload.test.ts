/**
 * The file store under `herald start`: saving the configuration file and SIGHUP reload the apps
 * without a restart; a file that does not validate is refused with the messages `herald start` prints,
 * and the running apps stay in force.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type HeraldProcess, spawnHerald } from '../helpers/process.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-file-store-'));
let node: HeraldProcess | null = null;

after(() => {
  node?.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('file store: a saved file and SIGHUP reload the apps; an invalid file is refused and the apps stay', async () => {
  const file = join(dir, 'herald.json');
  const config = (apps: { id: string; key: string; secret: string }[]) => JSON.stringify({ apps });
  const first = { id: 'f1', key: 'file-key-1', secret: 'file-secret-1' };
  const second = { id: 'f2', key: 'file-key-2', secret: 'file-secret-2' };
  writeFileSync(file, config([first]));
  node = await spawnHerald(['--config', file], { HERALD_LOG_LEVEL: 'info' });
  const url = (key: string) => `ws://127.0.0.1:${node!.port}/app/${key}?protocol=7`;
  const accepted = async (key: string) => {
    const { client, first: f } = await RawClient.connect(url(key));
    client.ws.close();
    assert.equal(f.event, 'pusher:connection_established', `${key}: ${f.raw}`);
  };
  await accepted('file-key-1');

  writeFileSync(file, config([first, second]));
  await eventually('the saved file to add an app', () => accepted('file-key-2'));

  // The same messages as at start, and the running apps stay.
  writeFileSync(file, JSON.stringify({ apps: [{ id: 'f1', key: 'file-key-1' }] }));
  await eventually('the refusal to be logged', async () =>
    assert.match(node!.output(), /configuration reload refused[\s\S]*apps\[0\]\.secret: is required/),
  );
  await accepted('file-key-2');

  // SIGHUP re-reads env and file as at start: a rename the watcher may miss is still picked up.
  writeFileSync(file, config([first]));
  node.child.kill('SIGHUP');
  await eventually('SIGHUP to drop the second app', async () => {
    const { client, first: f } = await RawClient.connect(url('file-key-2'));
    client.ws.close();
    assert.equal(f.event, 'pusher:error');
  });
});
