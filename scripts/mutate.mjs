#!/usr/bin/env node
// Mutation testing by area: `npm run mutate -- <area> [--dry]`. Each area names the source it mutates
// and the compiled test files that cover it, so one area runs in minutes on two cores. Stryker's
// command runner builds the sandbox once (every mutant is compiled in, switched by an environment
// variable) and then runs only the area's test files per mutant.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** area → { mutate: globs of source, tests: compiled test files, breakAt: minimum score or null } */
const AREAS = {
  protocol: {
    mutate: ['src/protocol/**/*.ts'],
    tests: [
      'unit/vectors',
      'unit/vectors-fixture',
      'unit/api-signature',
      'unit/json-depth',
      'unit/errors-doc',
      'unit/parser-fuzz',
    ],
    breakAt: 90,
  },
  // The smallest area, run by .ci/run so that the setup cannot rot: pure code, one fast test file.
  signature: {
    mutate: ['src/http-api/verify-signature.ts'],
    tests: ['unit/api-signature'],
    breakAt: 90,
  },
  'http-api': {
    mutate: ['src/http-api/verify-signature.ts', 'src/http-api/query.ts'],
    tests: ['unit/api-signature', 'unit/http-query', 'http-api/raw-errors', 'http-api/raw-http'],
    breakAt: 90,
  },
  channels: {
    mutate: ['src/channels/**/*.ts'],
    tests: [
      'channels/public-private',
      'channels/presence',
      'channels/cache',
      'channels/encrypted',
      'channels/client-events',
      'channels/client-event-rate',
      'users/presence-signin',
    ],
    breakAt: null,
  },
  transport: {
    mutate: ['src/transport/**/*.ts'],
    tests: ['ops/slow-consumer', 'channels/public-private', 'ws/handshake'],
    breakAt: null,
  },
  limits: {
    mutate: [
      'src/protocol/limits.ts',
      'src/connections/rate-limiter.ts',
      'src/channels/client-events.ts',
      'src/http-api/body.ts',
    ],
    tests: ['ops/limits', 'ops/slow-consumer', 'channels/client-event-rate', 'channels/client-events'],
    breakAt: null,
  },
  deliverer: {
    mutate: ['src/webhooks/deliverer.ts'],
    tests: ['webhooks/deliverer', 'webhooks/units', 'webhooks/memory-lifecycle'],
    breakAt: null,
  },
};

function main() {
  const args = process.argv.slice(2);
  const area = args.find((a) => !a.startsWith('--'));
  if (!area || !(area in AREAS)) {
    console.error(`usage: npm run mutate -- <area> [--dry]\nareas: ${Object.keys(AREAS).join(', ')}`);
    process.exit(2);
  }
  const spec = AREAS[area];
  const files = spec.tests.map((t) => `dist/test/${t}.test.js`).join(' ');
  const config = {
    testRunner: 'command',
    // One test process per mutant; the tests themselves bound every wait.
    commandRunner: { command: `node --test --test-concurrency=2 --test-timeout=60000 ${files}` },
    buildCommand: 'npm run -s build',
    mutate: spec.mutate,
    coverageAnalysis: 'off',
    concurrency: 2,
    timeoutMS: 60000,
    thresholds: { high: 95, low: 80, break: spec.breakAt },
    reporters: ['clear-text', 'progress', 'json'],
    jsonReporter: { fileName: `reports/mutation/${area}.json` },
    ignorePatterns: ['dist', 'reports', 'bench/results', '.herald-data', 'test-output'],
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    ...(args.includes('--dry') ? { dryRunOnly: true } : {}),
  };
  mkdirSync('reports/mutation', { recursive: true });
  const file = join('reports/mutation', `stryker.${area}.json`);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  const run = spawnSync('npx', ['stryker', 'run', file], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

main();
