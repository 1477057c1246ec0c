/**
 * Runs one Herald node in its own process for the harness: the configuration arrives as JSON in argv,
 * the port goes back over IPC. Same code path as `herald start`, minus the banner and signals.
 */
import { loadConfig } from '../../src/config/load.js';
import { createHerald } from '../../src/herald.js';
import { chainStats } from '../../src/transport/frame-chain.js';
import { serveIpc } from './ipc.js';

const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const config = loadConfig({ env: {}, overrides: { ...overrides, port: 0 } });
const herald = createHerald(config);
const { port, console } = await herald.listen();
// With a database app store (--herald-config '{"appStore":…}') the bench app goes into its table.
if (config.appStore.driver !== 'file') {
  for (const app of config.apps) {
    // A table left by an earlier run: replace the app, secret included.
    await herald.apps.remove(app.id).catch(() => undefined);
    await herald.apps.add(app as unknown as Record<string, unknown>);
  }
}
// Exit without draining: a bench run's clients are gone by then, and a profile must be written promptly.
serveIpc(
  () => undefined,
  () => ({ ...chainStats }),
);
process.send?.({ type: 'listening', port, ...(console ? { consolePort: console.port } : {}) });
