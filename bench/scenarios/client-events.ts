/**
 * Chat-like: many private channels with a few members each, exchanging client events. Without a rate
 * it is a closed loop: `tokens` messages circulate per room, each answered by the next member on
 * receipt, so the load adapts to what the server sustains. With `--rate` it is open-loop.
 */
import type { CollectReply } from '../load/protocol.js';
import { connectAll, cpuInWindow, cpuMetrics, deliveryMetrics, openWindow, range } from './measure.js';
import { CPU_PER_DELIVERY, LATENCY_METRICS, type Scenario } from './metrics.js';

export const clientEvents: Scenario = {
  name: 'client-events',
  summary: 'R private rooms × G members exchanging client events',
  uses: ['rooms', 'roomSize', 'tokens', 'rate', 'payload'],
  metrics: [
    { key: 'deliveries_per_s', label: 'deliveries/s', unit: '/s', better: 'higher', ratio: true },
    CPU_PER_DELIVERY,
    ...LATENCY_METRICS,
  ],
  async run(ctx) {
    const { rooms, roomSize } = ctx.opts;
    const specs = range(rooms * roomSize).map((i) => {
      const room = Math.floor(i / roomSize);
      const channel = `private-chat-${room}`;
      return { channels: [channel], chat: { channel, index: i % roomSize, size: roomSize } };
    });
    await connectAll(ctx, specs);
    const w = await openWindow(ctx);
    const procs = ctx.cluster.receivers;
    await new Promise((r) => setTimeout(r, Math.max(0, (w.start - Date.now() * 1000) / 1000)));
    await Promise.all(
      procs.map((p) =>
        p.call({
          cmd: 'chat',
          rate: ctx.opts.rate === null ? null : ctx.opts.rate / procs.length,
          tokens: ctx.opts.tokens,
          startAt: w.start,
          endAt: w.to,
          padTo: ctx.opts.payload,
        }),
      ),
    );
    const cpu = await cpuInWindow(ctx, w);
    await new Promise((r) => setTimeout(r, 300));
    const replies: CollectReply[] = await Promise.all(
      procs.map((p) => p.call<CollectReply>({ cmd: 'collect' })),
    );
    const delivered = deliveryMetrics(ctx, replies);
    return { ...delivered, ...cpuMetrics(ctx, cpu, delivered['deliveries_per_s'] ?? null) };
  },
};
