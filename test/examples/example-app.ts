/** Starts an example the way its README does (the compiled server the `start` script runs), on free ports. */
import { fileURLToPath } from 'node:url';
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
