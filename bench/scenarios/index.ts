import { clientEvents } from './client-events.js';
import { connections, connectionsHttp } from './connections.js';
import { fanout } from './fanout.js';
import { fanoutHttp } from './fanout-http.js';
import { httpPublish } from './http-publish.js';
import { manyChannels } from './many-channels.js';
import { presenceChurn } from './presence-churn.js';
import { presenceStorm } from './presence-storm.js';
import type { Scenario } from './types.js';

export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [
    fanout,
    fanoutHttp,
    manyChannels,
    presenceChurn,
    presenceStorm,
    clientEvents,
    connections,
    connectionsHttp,
    httpPublish,
  ].map((s) => [s.name, s]),
);
