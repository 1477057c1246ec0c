/**
 * The benchmark harness cannot rot: every scenario runs at a tiny size against Herald and both
 * baselines, and must produce well-formed results with real deliveries. Never asserts speed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from '../../bench/report/result.js';

const CLI = fileURLToPath(new URL('../../bench/cli.js', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'herald-bench-smoke-'));
after(() => rmSync(out, { recursive: true, force: true }));

// A window long enough that a loaded CI box still delivers something to every server in it.
const TINY = [
  '--runs',
  '1',
  '--duration',
  '1',
  '--warmup',
  '0.2',
  '--quiet',
  '--out',
  out,
  '--subscribers',
  '20',
  '--channels',
  '4',
  '--per-channel',
  '3',
  '--members',
  '5',
  '--churners',
  '2',
  '--rooms',
  '4',
  '--room-size',
  '3',
  '--connections',
  '30',
  '--window',
  '8',
];

function bench(scenario: string, extra: string[] = [], label = ''): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, scenario, ...TINY, ...extra],
      { timeout: 60_000 },
      (err, _stdout, stderr) => {
        if (err) {
          reject(new Error(`${scenario} failed: ${err.message}\n${stderr}`));
          return;
        }
        const file = join(out, `${scenario}${label ? `--${label}` : ''}.json`);
        resolve(JSON.parse(readFileSync(file, 'utf8')) as BenchResult);
      },
    );
  });
}

const HEADLINE: Record<string, string> = {
  fanout: 'deliveries_per_s',
  'many-channels': 'deliveries_per_s',
  'presence-churn': 'member_events_per_s',
  'client-events': 'deliveries_per_s',
  connections: 'connections_per_s',
  'http-publish': 'subs_deliveries_per_s',
};

describe('bench smoke', () => {
  for (const [scenario, metric] of Object.entries(HEADLINE)) {
    test(`${scenario} runs against herald, naive and coalesced`, async () => {
      const r = await bench(scenario);
      assert.equal(r.scenario, scenario);
      assert.deepEqual(r.options.servers, ['herald', 'naive', 'coalesced']);
      assert.ok(r.machine.cores > 0 && r.machine.node.startsWith('v'));
      assert.deepEqual(
        r.runs.filter((x) => x.error).map((x) => `${x.server}: ${x.error}`),
        [],
      );
      for (const server of ['herald', 'naive', 'coalesced']) {
        const run = r.runs.find((x) => x.server === server);
        assert.ok(run, `a run for ${server}`);
        const value = run.metrics[metric];
        assert.ok(typeof value === 'number' && value > 0, `${server} ${metric} = ${value}`);
        assert.ok(r.summary[server]?.[metric], `summary for ${server}`);
      }
      // Memory deltas of 30 connections are noise (may even be negative): only the headline ratio must
      // be a positive number; every other ratio is a finite number or absent.
      const headline = r.ratios.filter((x) => x.metric === metric);
      assert.ok(headline.length > 0 || !r.metrics.some((m) => m.key === metric && m.ratio));
      for (const x of headline) assert.ok(x.spread && x.spread.median > 0, `${x.baseline} ratio`);
      for (const x of r.ratios) assert.ok(x.spread === null || Number.isFinite(x.spread.median));
      assert.match(readFileSync(join(out, `${scenario}.svg`), 'utf8'), /^<svg [^>]*>[\s\S]*<\/svg>\n$/);
      assert.match(readFileSync(join(out, `${scenario}.md`), 'utf8'), new RegExp(`^### ${scenario}`));
    });
  }

  test('fanout at a fixed rate records latency for every server', async () => {
    const r = await bench('fanout', ['--rate', '200']);
    for (const server of ['herald', 'naive', 'coalesced']) {
      const m = r.runs.find((x) => x.server === server)!.metrics;
      assert.ok((m['latency_samples'] ?? 0) > 0, `${server} latency samples`);
      assert.ok((m['p99_ms'] ?? 0) >= (m['p50_ms'] ?? 0));
      assert.equal(m['undelivered'], 0);
    }
  });

  test('herald-w1 and herald-w2 run in one fanout, with the ratio to one worker', async () => {
    const r = await bench('fanout', ['--servers', 'herald-w1,herald-w2', '--label', 'w'], 'w');
    assert.deepEqual(
      r.runs.filter((x) => x.error).map((x) => `${x.server}: ${x.error}`),
      [],
    );
    for (const server of ['herald-w1', 'herald-w2']) {
      const m = r.runs.find((x) => x.server === server)!.metrics;
      assert.ok((m['deliveries_per_s'] ?? 0) > 0, `${server} deliveries`);
      assert.equal(m['undelivered'], 0, `${server} undelivered`);
      assert.ok((m['cpu_us_per_delivery'] ?? 0) > 0, `${server} CPU read from /proc`);
    }
    const ratio = r.ratios.find((x) => x.metric === 'deliveries_per_s');
    assert.equal(ratio?.server, 'herald-w2');
    assert.equal(ratio?.baseline, 'herald-w1');
    assert.ok(ratio?.spread && ratio.spread.median > 0);
  });
});
