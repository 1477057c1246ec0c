/**
 * `--members` connections join one presence channel in the same moment (issue 11's storm). Each joiner
 * gets a snapshot of the members before it and a member_added for each one after: n(n−1)/2 member
 * frames are inherent to the protocol. What must not happen is a frozen server: health probes on fresh
 * connections, one after the other, measure how long the server keeps a newcomer waiting.
 */
import { request } from 'node:http';
import { nowMicros } from '../lib/clock.js';
import { httpBase } from '../lib/pusher-wire.js';
import type { StormReply } from '../load/protocol.js';
import { connectAll, range } from './measure.js';
import type { Scenario } from './metrics.js';

const CHANNEL = 'presence-storm';
/** Pause between one probe's answer and the next probe (one in flight, as a load balancer does). */
const PROBE_GAP_MS = 50;

/** One GET /health on a new connection (as a load balancer's probe); resolves with its latency in ms. */
function probe(base: string): Promise<number> {
  const started = nowMicros();
  return new Promise((resolve) => {
    const req = request(`${base}/health`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve((nowMicros() - started) / 1000));
    });
    req.on('error', () => resolve((nowMicros() - started) / 1000));
    req.end();
  });
}

export const presenceStorm: Scenario = {
  name: 'presence-storm',
  summary: '--members connections join one presence channel at once; health-probe delay during the storm',
  uses: ['members', 'clients'],
  metrics: [
    { key: 'probe_max_ms', label: 'health probe max', unit: 'ms', better: 'lower' },
    { key: 'probe_p99_ms', label: 'health probe p99', unit: 'ms', better: 'lower' },
    { key: 'loop_p99_ms', label: 'event-loop delay p99', unit: 'ms', better: 'lower' },
    { key: 'loop_max_ms', label: 'event-loop delay max', unit: 'ms', better: 'lower' },
    { key: 'busy_max_ms', label: 'longest turn, CPU', unit: 'ms', better: 'lower' },
    { key: 'all_joined_s', label: 'all snapshots', unit: 's', better: 'lower' },
    { key: 'all_members_s', label: 'all member events', unit: 's', better: 'lower' },
    { key: 'rss_peak_mb', label: 'RSS peak', unit: 'MB', better: 'lower' },
    { key: 'server_cpu_s', label: 'server CPU', unit: 's', better: 'lower' },
    { key: 'cpu_per_frame_us', label: 'CPU per member frame', unit: 'µs', better: 'lower' },
    { key: 'incomplete', label: 'incomplete joiners', unit: '', better: 'lower' },
  ],
  async run(ctx) {
    const n = ctx.opts.members;
    await connectAll(
      ctx,
      range(n).map((i) => ({ channels: [], userId: `member-${i}` })),
      128,
    );
    await ctx.server.loop(); // resets the event-loop histogram: only the storm counts
    const cpuBefore = await ctx.server.cpu();
    const base = httpBase(ctx.server.ws);
    const delays: number[] = [];
    let storming = true;
    const probing = (async () => {
      while (storming) {
        delays.push(await probe(base));
        await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
      }
    })();
    const replies = await Promise.all(
      ctx.cluster.receivers.map((p) =>
        p.call<StormReply>({ cmd: 'storm', channel: CHANNEL, members: n, timeoutMs: 300_000 }),
      ),
    );
    storming = false;
    await probing;
    delays.sort((a, b) => a - b);
    const loop = await ctx.server.loop();
    const cpuAfter = await ctx.server.cpu();
    const sum = (f: (r: StormReply) => number) => replies.reduce((a, r) => a + f(r), 0);
    const errors = sum((r) => r.errors);
    if (errors > 0)
      console.error(
        `  ${ctx.server.kind}: ${errors} client error(s), first: ${replies.find((r) => r.firstError)?.firstError}`,
      );
    const closes = replies.reduce((a, r) => a + Object.values(r.closes).reduce((x, y) => x + y, 0), 0);
    const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      probe_max_ms: delays.length ? round(delays[delays.length - 1]!) : null,
      probe_p99_ms: delays.length ? round(delays[Math.floor(delays.length * 0.99)]!) : null,
      probes: delays.length,
      loop_p99_ms: loop ? round(loop.p99Ms) : null,
      loop_max_ms: loop ? round(loop.maxMs) : null,
      busy_max_ms: loop ? round(loop.busyMaxMs) : null,
      all_joined_s: round(Math.max(...replies.map((r) => r.lastSnapshotUs)) / 1e6, 2),
      all_members_s: round(Math.max(...replies.map((r) => r.lastEventUs)) / 1e6, 2),
      rss_peak_mb: loop ? Math.round(loop.peakRss / 2 ** 20) : null,
      server_cpu_s: cpuBefore !== null && cpuAfter !== null ? round((cpuAfter - cpuBefore) / 1e6, 2) : null,
      // n(n−1)/2 member_added frames and n snapshots are what the protocol makes a room of n cost; CPU
      // per frame that stays flat from 1k to 10k members means the server adds no superlinear work.
      cpu_per_frame_us:
        cpuBefore !== null && cpuAfter !== null
          ? round((cpuAfter - cpuBefore) / (sum((r) => r.memberAdded) + sum((r) => r.joined)), 2)
          : null,
      joined: sum((r) => r.joined),
      member_added: sum((r) => r.memberAdded),
      snapshot_members: sum((r) => r.snapshotMembers),
      incomplete: sum((r) => r.incomplete),
      client_errors: errors,
      unexpected_closes: closes,
    };
  },
};
