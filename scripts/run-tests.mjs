#!/usr/bin/env node
// Runs every compiled test file under dist/test with Node's test runner.
// Files run in parallel (one process each); tests inside a file share one server.
// Long files run after the rest, with a longer limit, so they never starve timing-sensitive tests and are
// not cut by the per-file limit meant to catch hangs: the package files (a copied tree, npm install,
// npm pack, a full build), the benchmark smoke test (every scenario with its own load processes) and the
// 1,000-trial cross-node ordering test.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = collect('dist/test', [])
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '4';
const LONG = [
  join('dist', 'test', 'package') + '/',
  join('dist', 'test', 'bench') + '/',
  'cross-node-order.test.js',
];
const slow = files.filter((f) => LONG.some((l) => f.includes(l)));
const fast = files.filter((f) => !slow.includes(f));

function runTests(list, timeoutMs) {
  if (list.length === 0) return Promise.resolve({ code: 0 });
  const child = spawn(
    process.execPath,
    // A test that hangs fails by name after its limit instead of holding CI.
    [
      '--test',
      `--test-concurrency=${concurrency}`,
      `--test-timeout=${timeoutMs}`,
      '--test-reporter=spec',
      ...list,
    ],
    { stdio: 'inherit' },
  );
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1 })));
}

const main = await runTests(fast, 120_000);
if (slow.length > 0 && fast.length > 0) process.stdout.write(`\n== long tests (${slow.join(', ')})\n`);
const pkg = await runTests(slow, 900_000);
process.exit(main.code || pkg.code);
