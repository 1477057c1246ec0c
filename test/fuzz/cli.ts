/**
 * `npm run fuzz -- [--minutes N] [--seed S]`: back-to-back fuzz rounds (2,000 frames and 1,000 requests
 * each, seeds S, S+1, …) against one in-process Herald until the time is up. Exits 1 with the seed of
 * the failing round.
 */
import { startHerald, TEST_APP } from '../helpers/server.js';
import { FuzzFailure, runFuzz } from './runner.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const minutes = Number(flag('minutes') ?? 1);
  let seed = Number(flag('seed') ?? Math.floor(Math.random() * 2 ** 31));
  const server = await startHerald({ apps: [{ ...TEST_APP, clientEvents: true }] });
  const target = {
    host: server.host,
    port: server.port,
    app: TEST_APP,
    maxHttpBodyBytes: server.config.maxHttpBodyBytes,
  };
  const end = Date.now() + minutes * 60_000;
  let rounds = 0;
  let frames = 0;
  let requests = 0;
  try {
    while (Date.now() < end) {
      const r = await runFuzz(target, seed, { wsFrames: 2000, httpRequests: 1000 });
      rounds++;
      frames += r.wsFrames;
      requests += r.httpRequests;
      console.log(
        `round ${rounds} seed ${seed}: ok; closes ${JSON.stringify(r.closes)} statuses ${JSON.stringify(r.statuses)}`,
      );
      seed++;
    }
    console.log(`fuzz: ${rounds} rounds, ${frames} frames, ${requests} requests, no failure`);
    return 0;
  } catch (err) {
    console.error(err instanceof FuzzFailure ? err.message : err);
    return 1;
  } finally {
    await server.close();
  }
}

main().then((code) => process.exit(code));
