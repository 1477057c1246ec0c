/** C channels × S subscribers, events spread round-robin across the channels. */
import { connectAll, publishAndMeasure, range } from './measure.js';
import { DELIVERY_METRICS, type Scenario } from './metrics.js';

export const manyChannels: Scenario = {
  name: 'many-channels',
  summary: 'C channels × S subscribers; events spread across the channels',
  uses: ['channels', 'perChannel', 'rate', 'window', 'concurrency', 'payload'],
  metrics: DELIVERY_METRICS,
  async run(ctx) {
    const { channels: c, perChannel: s } = ctx.opts;
    const names = range(c).map((i) => `bench-mc-${i}`);
    await connectAll(
      ctx,
      range(c * s).map((i) => ({ channels: [names[i % c]!] })),
    );
    return publishAndMeasure(
      ctx,
      names,
      names.map(() => s),
    );
  },
};
