/** Starts an example the way its README does (the compiled server the `start` script runs), on free ports. */
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { type HeraldProcess, killTree, spawnListening } from '../helpers/process.js';

export interface RunningExample {
  url: string;
  process: HeraldProcess;
  stop(): Promise<void>;
}

/** `entry`: the file the example's `start` script runs; `stdin: true` lets the test type into it. */
export async function startExample(
  name: string,
  env: Record<string, string> = {},
  options: { entry?: string; stdin?: boolean } = {},
): Promise<RunningExample> {
  const entry = options.entry ?? 'server.js';
  const server = fileURLToPath(new URL(`../../examples/${name}/${entry}`, import.meta.url));
  const proc = await spawnListening(
    process.execPath,
    [server],
    { PORT: '0', HERALD_PORT: '0', ...env },
    { stdin: options.stdin ?? false },
  );
  return { url: `http://127.0.0.1:${proc.port}`, process: proc, stop: () => killTree(proc) };
}

/**
 * The example and Chromium, started side by side. If either fails, the other is stopped before the error
 * is thrown: a missing Chromium must fail the file at once, not leave the example's server running.
 */
export async function startWithChromium(name: string): Promise<[RunningExample, Browser]> {
  const [app, browser] = await Promise.allSettled([startExample(name), launchChromium()]);
  if (app.status === 'fulfilled' && browser.status === 'fulfilled') return [app.value, browser.value];
  if (app.status === 'fulfilled') await app.value.stop();
  if (browser.status === 'fulfilled') await browser.value.close();
  throw app.status === 'rejected' ? app.reason : (browser as PromiseRejectedResult).reason;
}
