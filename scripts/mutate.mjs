#!/usr/bin/env node
// Mutation testing by area: `npm run mutate -- <area> [--dry]`. Each area names the source it mutates
// and the compiled test files that cover it, so one area runs in minutes on two cores. Stryker's
// command runner builds the sandbox once (every mutant is compiled in, switched by an environment
// variable) and then runs only the area's test files per mutant.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * area → { mutate: globs of source, tests: compiled test files, breakAt: minimum score or null,
 * timeoutMs: extra time a mutant's run may take over the unmutated run before it counts as a timeout
 * (a mutant that loops forever costs this much, so pure areas keep it short) }
 */
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
      'unit/protocol-messages',
      'unit/protocol-bounds',
    ],
    breakAt: 90,
    timeoutMs: 10000,
  },
  // The smallest area, run by .ci/run so that the setup cannot rot: pure code, one fast test file.
  signature: {
    mutate: ['src/http-api/verify-signature.ts'],
    tests: ['unit/api-signature'],
    breakAt: 90,
    timeoutMs: 10000,
  },
  'http-api': {
    mutate: ['src/http-api/verify-signature.ts', 'src/http-api/query.ts'],
    tests: ['unit/api-signature', 'unit/http-query', 'http-api/raw-errors', 'http-api/raw-http'],
    breakAt: 90,
    timeoutMs: 15000,
  },
  // src/channels, split by what each file needs (client-events.ts is scored by `limits`). The state the
  // node holds (registry, channels, member views, snapshots), presence identity, subscription counting
  // and the announcer are in-memory classes: unit tests drive them directly, a mutant in well under a
  // second.
  'channels-state': {
    mutate: [
      'src/channels/registry.ts',
      'src/channels/local-channel.ts',
      'src/channels/member-view.ts',
      'src/channels/presence-snapshot.ts',
      'src/channels/presence.ts',
      'src/channels/subscription-count.ts',
      'src/channels/announcer.ts',
    ],
    tests: [
      'unit/channel-registry',
      'unit/local-channel',
      'unit/member-view',
      'unit/presence-snapshot',
      'unit/presence-member',
      'unit/subscription-count',
      'unit/announcer',
    ],
    breakAt: null,
    timeoutMs: 10000,
  },
  // Subscribing and authorizing go through the whole node (adapter, hub, history, announcer): the
  // smallest integration files that drive every channel kind, the refusals (bad-input: auth, limits),
  // a rewind on subscribe (history/http), a member list read from Redis and the authorized-connection
  // deadline (5 s, the slowest), each a server in the test process.
  'channels-subscribe': {
    mutate: ['src/channels/subscribe.ts', 'src/channels/authorize.ts'],
    tests: [
      'channels/subscribe-events',
      'channels/public-private',
      'channels/presence',
      'channels/cache',
      'channels/encrypted',
      'users/presence-signin',
      'users/subscription-count',
      'ws/bad-input',
      'history/http',
      'channels/presence-redis',
      'users/server-to-user',
      'users/authorized-connections',
      'channels/subscribe-races',
    ],
    breakAt: null,
    timeoutMs: 15000,
  },
  // The WebSocket side of src/transport. The HTTP fallback sessions are their own area, driven
  // directly over real requests (transports/http-session) and through the server (http-abuse).
  transport: {
    mutate: ['src/transport/**/*.ts', '!src/transport/http-*.ts'],
    tests: [
      'unit/frame-chain',
      'unit/flush-queue',
      'unit/ws-frame',
      'ws/ws-socket',
      'ws/deflate',
      'ops/slow-consumer',
      'channels/public-private',
      'ws/handshake',
    ],
    breakAt: 90,
    timeoutMs: 20000,
  },
  'transport-http': {
    mutate: ['src/transport/http-*.ts'],
    tests: ['unit/http-frame', 'transports/http-session', 'transports/http-abuse'],
    breakAt: 85,
    timeoutMs: 20000,
  },
  // The per-app and per-address limits and the client-event rate. The slow-consumer bound is scored
  // with transport (flush-queue.ts), the body limits with `body`.
  limits: {
    mutate: ['src/protocol/limits.ts', 'src/connections/rate-limiter.ts', 'src/channels/client-events.ts'],
    tests: ['unit/rate-limiter', 'ops/limits', 'channels/client-event-rate', 'channels/client-events'],
    breakAt: null,
    timeoutMs: 20000,
  },
  // body-limits pins every edge of body.ts in under 2 s; raw-errors adds the client that hangs up mid-body.
  // ops/limits and faults/deep-nesting reach it too but check nothing of it these two do not, and
  // faults/slow-http would add 5 s per mutant for the same 408 and 413.
  body: {
    mutate: ['src/http-api/body.ts'],
    tests: ['http-api/body-limits', 'http-api/raw-errors'],
    breakAt: 80,
    timeoutMs: 20000,
  },
  deliverer: {
    mutate: ['src/webhooks/deliverer.ts'],
    tests: ['webhooks/deliverer', 'webhooks/deliverer-loop', 'webhooks/units', 'webhooks/memory-lifecycle'],
    breakAt: 85,
    timeoutMs: 20000,
  },
};

const DETECTED = new Set(['Killed', 'Timeout']);
const mutantKey = (file, m) => {
  const { start, end } = m.location;
  return `${file}:${start.line}:${start.column}-${end.line}:${end.column}:${m.mutatorName}:${m.replacement}`;
};
/** A source file edited since the full run: its mutants there no longer say anything. */
const changed = (file, f) => readFileSync(file, 'utf8') !== f.source;

/**
 * What to rerun after the full run: the lines of its survivors, and every file edited since (all of
 * its mutants are new).
 */
function rerunRanges(report) {
  const ranges = new Set();
  for (const [file, f] of Object.entries(report.files)) {
    if (changed(file, f)) {
      ranges.add(file);
      continue;
    }
    for (const m of f.mutants) {
      if (!DETECTED.has(m.status)) ranges.add(`${file}:${m.location.start.line}-${m.location.end.line}`);
    }
  }
  return [...ranges];
}

/** The full report with the rerun's results put over it: the score the area has now. */
function combine(full, rerun) {
  const now = new Map();
  for (const [file, f] of Object.entries(rerun.files))
    for (const m of f.mutants) now.set(mutantKey(file, m), m.status);
  let detected = 0;
  let total = 0;
  for (const [file, f] of Object.entries(full.files)) {
    // An edited file counts as the rerun saw it.
    const mutants = changed(file, f) ? (rerun.files[file]?.mutants ?? []) : f.mutants;
    for (const m of mutants) {
      total++;
      if (DETECTED.has(now.get(mutantKey(file, m)) ?? m.status)) detected++;
    }
  }
  return { detected, total };
}

function main() {
  const args = process.argv.slice(2);
  const area = args.find((a) => !a.startsWith('--'));
  if (!area || !(area in AREAS)) {
    console.error(
      `usage: npm run mutate -- <area> [--dry] [--survivors]\nareas: ${Object.keys(AREAS).join(', ')}`,
    );
    process.exit(2);
  }
  const spec = AREAS[area];
  // --survivors: after adding tests, rerun only the lines of the last full run's survivors and the files
  // edited since (tests are only ever added, so a mutant killed then is killed now), and print the
  // area's combined score.
  const survivors = args.includes('--survivors');
  const fullReport = `reports/mutation/${area}.json`;
  if (survivors && !existsSync(fullReport)) {
    console.error(`--survivors needs a full run first: ${fullReport}`);
    process.exit(2);
  }
  const full = survivors ? JSON.parse(readFileSync(fullReport, 'utf8')) : null;
  const report = survivors ? `reports/mutation/${area}.survivors.json` : fullReport;
  const files = spec.tests.map((t) => `dist/test/${t}.test.js`).join(' ');
  const config = {
    testRunner: 'command',
    // One test process per mutant; the tests themselves bound every wait.
    commandRunner: { command: `node --test --test-concurrency=2 --test-timeout=60000 ${files}` },
    buildCommand: 'npm run -s build',
    mutate: full ? rerunRanges(full) : spec.mutate,
    coverageAnalysis: 'off',
    // Two runners by default; MUTATE_CONCURRENCY=1 on a machine others are using.
    concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
    timeoutMS: spec.timeoutMs ?? 60000,
    thresholds: { high: 95, low: 80, break: survivors ? null : spec.breakAt },
    reporters: ['clear-text', 'progress', 'json'],
    jsonReporter: { fileName: report },
    ignorePatterns: ['dist', '.stryker-tmp', 'reports', 'bench/results', '.herald-data', 'test-output'],
    // One folder per area, so two areas can run side by side.
    tempDirName: `.stryker-tmp/${area}`,
    cleanTempDir: 'always',
    ...(args.includes('--dry') ? { dryRunOnly: true } : {}),
  };
  mkdirSync('reports/mutation', { recursive: true });
  const file = join('reports/mutation', `stryker.${area}.json`);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  const run = spawnSync('npx', ['stryker', 'run', file], { stdio: 'inherit' });
  if (full && run.status === 0) {
    const { detected, total } = combine(full, JSON.parse(readFileSync(report, 'utf8')));
    const score = (100 * detected) / total;
    console.log(
      `${area}: ${detected} of ${total} mutants detected, ${score.toFixed(2)}% (break at ${spec.breakAt ?? 'none'})`,
    );
    if (spec.breakAt !== null && score < spec.breakAt) process.exit(1);
  }
  process.exit(run.status ?? 1);
}

main();
