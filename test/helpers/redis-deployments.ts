/**
 * Throwaway Redis deployments of real redis-server processes on free ports: a Redis Cluster, and a
 * Sentinel-managed primary, for the cluster- and sentinel-mode tests.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './process.js';

export interface RedisClusterHandle {
  /** redis-cluster:// URL naming every shard */
  url: string;
  stop(): Promise<void>;
}

export async function startRedisCluster(shards: number): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-redis-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < shards; i++) ports.push(await freePort());
  const children = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  );
  const run = promisify(execFile);
  for (const port of ports) {
    for (let i = 0; ; i++) {
      try {
        await run('redis-cli', ['-p', String(port), 'ping']);
        break;
      } catch (err) {
        if (i > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  // The cluster is usable once every node agrees that all slots are served.
  for (let i = 0; ; i++) {
    const states = await Promise.all(
      ports.map(async (p) => (await run('redis-cli', ['-p', String(p), 'cluster', 'info'])).stdout),
    );
    if (states.every((s) => s.includes('cluster_state:ok'))) break;
    if (i > 100) throw new Error('Redis Cluster did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGKILL');
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function killAll(children: ChildProcess[]): Promise<void> {
  return Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  ).then(() => undefined);
}

/** One primary and one Sentinel watching it as `mymaster`. */
export async function startRedisSentinel(): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-redis-sentinel-'));
  const [primary, sentinel] = [await freePort(), await freePort()];
  const run = promisify(execFile);
  const children = [
    spawn('redis-server', ['--port', String(primary), '--bind', '127.0.0.1', '--save', '', '--dir', dir], {
      stdio: 'ignore',
    }),
  ];
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, `port ${sentinel}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 ${primary} 1\n`);
  children.push(spawn('redis-server', [conf, '--sentinel', '--dir', dir], { stdio: 'ignore' }));
  for (let i = 0; ; i++) {
    try {
      const { stdout } = await run('redis-cli', [
        '-p',
        String(sentinel),
        'sentinel',
        'get-master-addr-by-name',
        'mymaster',
      ]);
      if (stdout.includes(String(primary))) break;
    } catch (err) {
      if (i > 50) throw err;
    }
    if (i > 50) throw new Error('Sentinel did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `redis-sentinel://127.0.0.1:${sentinel}/mymaster`,
    async stop() {
      await killAll(children);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
