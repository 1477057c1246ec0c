/** Starts an example the way its README does (the compiled server the `start` script runs), on free ports. */
import { fileURLToPath } from 'node:url';
import { type HeraldProcess, killTree, spawnListening } from '../helpers/process.js';

export interface RunningExample {
  url: string;
  process: HeraldProcess;
  stop(): Promise<void>;
}

export async function startExample(name: string, env: Record<string, string> = {}): Promise<RunningExample> {
  const server = fileURLToPath(new URL(`../../examples/${name}/server.js`, import.meta.url));
  const proc = await spawnListening(process.execPath, [server], { PORT: '0', HERALD_PORT: '0', ...env });
  return { url: `http://127.0.0.1:${proc.port}`, process: proc, stop: () => killTree(proc) };
}
