/**
 * One presence channel with K members; churners join and leave it in a closed loop. Every join costs
 * the server a member list for the joiner and a member_added for each member, every leave a
 * member_removed.
 */
import { decode, summarize } from '../lib/histogram.js';
import type { ChurnReply, CollectReply } from '../load/protocol.js';
import { connectAll, openWindow, range } from './measure.js';
import type { Scenario } from './metrics.js';

const CHANNEL = 'presence-bench';

export const presenceChurn: Scenario = {
  name: 'presence-churn',
  summary: 'joins/leaves per second on one presence channel with K members',
  uses: ['members', 'churners'],
  metrics: [
    { key: 'joins_per_s', label: 'joins/s', unit: '/s', better: 'higher', ratio: true },
    { key: 'member_events_per_s', label: 'member events/s', unit: '/s', better: 'higher' },
    { key: 'join_p50_ms', label: 'join p50', unit: 'ms', better: 'lower' },
    { key: 'join_p99_ms', label: 'join p99', unit: 'ms', better: 'lower' },
  ],
  async run(ctx) {
    await connectAll(
      ctx,
      range(ctx.opts.members).map((i) => ({ channels: [CHANNEL], userId: `member-${i}` })),
    );
    const w = await openWindow(ctx);
    const churn = await ctx.cluster.publisher.call<ChurnReply>({
      cmd: 'churn',
      target: ctx.target,
      count: ctx.opts.churners,
      channel: CHANNEL,
      startAt: w.from,
      endAt: w.to,
    });
    const replies = await Promise.all(
      ctx.cluster.receivers.map((p) => p.call<CollectReply>({ cmd: 'collect' })),
    );
    const h = decode(churn.joinLatency);
    const lat = summarize(h);
    h.destroy();
    const memberEvents = replies.reduce((n, r) => n + r.memberEventsInWindow, 0);
    const errors = replies.reduce((n, r) => n + r.errors, 0);
    return {
      joins_per_s: Math.round(churn.joinsInWindow / ctx.opts.duration),
      member_events_per_s: Math.round(memberEvents / ctx.opts.duration),
      join_p50_ms: lat.p50,
      join_p99_ms: lat.p99,
      join_max_ms: lat.max,
      client_errors: errors,
    };
  },
};
