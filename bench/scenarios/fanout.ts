/** One channel, N subscribers, events through the signed HTTP API: deliveries/s and latency. */
import { connectAll, publishAndMeasure, range } from './measure.js';
import { DELIVERY_METRICS, type Scenario } from './metrics.js';

export const fanout: Scenario = {
  name: 'fanout',
  summary: '1 channel × N subscribers; events published through the HTTP API',
  uses: ['subscribers', 'rate', 'window', 'concurrency', 'payload'],
  metrics: DELIVERY_METRICS,
  async run(ctx) {
    const n = ctx.opts.subscribers;
    await connectAll(
      ctx,
      range(n).map(() => ({ channels: ['bench-fanout'] })),
    );
    return publishAndMeasure(ctx, ['bench-fanout'], [n]);
  },
};
