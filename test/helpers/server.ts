/** Starts a real Herald on a free port for one test file. */
import type { HeraldConfig, HeraldConfigInput } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { createHerald, type Herald, type HeraldDeps } from '../../src/herald.js';

export interface TestServer {
  herald: Herald;
  config: HeraldConfig;
  port: number;
  host: string;
  /** Bound metrics port when the test enabled metrics. */
  metricsPort: number | undefined;
  /** Bound console port when the test enabled the console. */
  consolePort: number | undefined;
  /** The first app's credentials. */
  app: { id: string; key: string; secret: string };
  wsUrl(path?: string): string;
  httpUrl(path?: string): string;
  close(): Promise<void>;
}

export const TEST_APP = { id: 'app-id', key: 'app-key', secret: 'app-secret' } as const;

/** Config for tests: port 0, quiet, metrics off, the dev app with client events on, overridable. */
export function testConfig(overrides: HeraldConfigInput = {}): HeraldConfig {
  return loadConfig({
    env: {},
    overrides: {
      port: 0,
      log: { level: 'silent' },
      metrics: { enabled: false },
      console: { enabled: false },
      shutdownTimeout: 0,
      apps: [{ ...TEST_APP, clientEvents: true }],
      ...overrides,
    },
  });
}

export async function startHerald(
  overrides: HeraldConfigInput = {},
  deps: HeraldDeps = {},
): Promise<TestServer> {
  const config = testConfig(overrides);
  const herald = createHerald(config, deps);
  const { port, host, metricsPort, console } = await herald.listen();
  const app = config.apps[0]!;
  return {
    herald,
    config,
    port,
    host,
    metricsPort,
    consolePort: console?.port,
    app: { id: app.id, key: app.key, secret: app.secret },
    wsUrl: (path = `/app/${app.key}?protocol=7&client=js&version=8.4.0&flash=false`) =>
      `ws://${host}:${port}${path}`,
    httpUrl: (path = '/') => `http://${host}:${port}${path}`,
    close: () => herald.close(),
  };
}
