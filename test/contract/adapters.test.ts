/**
 * The contract of each adapter role (broker, membership, control) against every implementation: the
 * in-memory adapter, the Redis adapter on the real Redis (127.0.0.1:6379, or HERALD_TEST_REDIS_URL)
 * under a random key prefix, on a private Sentinel and a private Redis Cluster, and the workers' IPC
 * adapter wired to a relay in this process.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import type { Adapter } from '../../src/adapters/adapter.js';
import { IpcAdapter, type IpcMessage, type IpcPort } from '../../src/adapters/ipc-adapter.js';
import { IpcRelay } from '../../src/adapters/ipc-relay.js';
import { LocalAdapter } from '../../src/adapters/local-adapter.js';
import { RedisAdapter } from '../../src/adapters/redis-adapter.js';
import { silentLogger } from '../../src/logging/logger.js';
import {
  type RedisClusterHandle,
  startRedisCluster,
  startRedisSentinel,
} from '../helpers/redis-deployments.js';
import { brokerContract } from './broker.contract.js';
import { controlContract } from './control.contract.js';
import { type AdapterCluster, type ContractOptions, RecordingDelivery } from './harness.js';
import { membershipContract } from './membership.contract.js';

const REDIS_URL = process.env['HERALD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Every role's suite over one implementation. */
function adapterContract(opts: ContractOptions): void {
  brokerContract(opts);
  membershipContract(opts);
  controlContract(opts);
}

async function started(nodes: Adapter[]): Promise<RecordingDelivery[]> {
  const deliveries = nodes.map(() => new RecordingDelivery());
  await Promise.all(nodes.map((n, i) => n.start(deliveries[i]!, deliveries[i]!)));
  return deliveries;
}

adapterContract({
  name: 'LocalAdapter',
  maxNodes: 1,
  singleNodeReason: 'the in-memory adapter is one process: there is no second node to share state with',
  async create() {
    const nodes = [new LocalAdapter()];
    return { nodes, deliveries: await started(nodes), close: () => nodes[0]!.close() };
  },
});

function redisContract(name: string, url: () => Promise<string>, cleanup: boolean): void {
  adapterContract({
    name,
    maxNodes: 3,
    filtersByInterest: true,
    async create(count): Promise<AdapterCluster> {
      const prefix = `herald-test-${randomBytes(6).toString('hex')}`;
      const where = await url();
      const nodes = Array.from(
        { length: count },
        () => new RedisAdapter({ url: where, prefix, nodeTimeout: 2, logger: silentLogger() }),
      );
      return {
        nodes,
        deliveries: await started(nodes),
        kill: (i) => nodes[i]!.abandon(),
        close: async () => {
          await Promise.all(nodes.map((n) => n.close()));
          if (cleanup) await deletePrefix(prefix);
        },
      };
    },
  });
}

redisContract('RedisAdapter (standalone)', async () => REDIS_URL, true);

// A private three-shard Redis Cluster, thrown away afterwards: sharded pub/sub and hash-tagged scripts.
let cluster: Promise<RedisClusterHandle> | null = null;
redisContract(
  'RedisAdapter (Redis Cluster, sharded pub/sub)',
  async () => {
    cluster ??= startRedisCluster(3);
    return (await cluster).url;
  },
  false,
);
// A private primary behind a Sentinel: the adapter finds the primary through the sentinel.
let sentinel: Promise<RedisClusterHandle> | null = null;
redisContract(
  'RedisAdapter (Sentinel)',
  async () => {
    sentinel ??= startRedisSentinel();
    return (await sentinel).url;
  },
  false,
);

after(async () => {
  if (cluster) await (await cluster).stop();
  if (sentinel) await (await sentinel).stop();
});

/** Removes this test's keys (and only them: the Redis is shared). */
async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 500 }))
      keys.push(...(batch as string[]));
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Two ends of an in-memory IPC channel; messages are cloned and arrive asynchronously, as over IPC. */
function pipe(): [IpcPort, IpcPort, () => void] {
  const listeners: [((m: unknown) => void)[], ((m: unknown) => void)[]] = [[], []];
  let cut = false;
  const end = (mine: 0 | 1): IpcPort => ({
    send: (m: IpcMessage) => {
      if (cut) return;
      const copy = structuredClone(m);
      setImmediate(() => {
        if (!cut) for (const l of listeners[mine === 0 ? 1 : 0]) l(copy);
      });
    },
    onMessage: (l) => listeners[mine].push(l),
  });
  return [end(0), end(1), () => (cut = true)];
}

adapterContract({
  name: 'IpcAdapter (workers without Redis)',
  maxNodes: 3,
  async create(count): Promise<AdapterCluster> {
    const relay = new IpcRelay();
    const cuts: (() => void)[] = [];
    const nodes = Array.from({ length: count }, (_, i) => {
      const [workerEnd, primaryEnd, cut] = pipe();
      relay.attach(String(i), primaryEnd);
      cuts.push(cut);
      return new IpcAdapter(workerEnd);
    });
    return {
      nodes,
      deliveries: await started(nodes),
      kill: (i) => {
        cuts[i]!();
        void relay.detach(String(i));
      },
      close: async () => {
        await Promise.all(nodes.map((n) => n.close()));
      },
    };
  },
});
