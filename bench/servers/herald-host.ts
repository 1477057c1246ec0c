/**
 * Runs one Herald node in its own process for the harness: the configuration arrives as JSON in argv,
 * the port goes back over IPC. Same code path as `herald start`, minus the banner and signals.
 */
import { loadConfig } from '../../src/config/load.js';
import { createHerald } from '../../src/herald.js';
import { chainStats } from '../../src/transport/frame-chain.js';
import { serveIpc } from './ipc.js';

const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const herald = createHerald(loadConfig({ env: {}, overrides: { ...overrides, port: 0 } }));
const { port, console } = await herald.listen();
// Exit without draining: a bench run's clients are gone by then, and a profile must be written promptly.
serveIpc(
  () => undefined,
  () => ({ ...chainStats }),
);
process.send?.({ type: 'listening', port, ...(console ? { consolePort: console.port } : {}) });
