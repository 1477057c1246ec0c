/**
 * `npm run bench -- <scenario> [options]`: runs a scenario against Herald and the two baselines (or an
 * external Pusher-compatible server), repeats it, and writes JSON, Markdown and an SVG chart.
 * `npm run bench -- report` rebuilds the figures section of docs/benchmarks.md from bench/results.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from './lib/cluster.js';
import { describeMachine, machineFacts } from './lib/machine.js';
import type { TargetApp } from './lib/pusher-wire.js';
import { type ServerKind, startServer, workersOf } from './lib/servers.js';
import { fmtRatio } from './lib/stats.js';
import { markdown } from './report/markdown.js';
import { type BenchResult, type RunRecord, summarizeRuns } from './report/result.js';
import { barChart } from './report/svg.js';
import { SCENARIOS } from './scenarios/index.js';
import type { BenchOptions, Metrics, Scenario } from './scenarios/types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HELP = `Usage: npm run bench -- <scenario|all|report|profile FILE…> [options]

Scenarios: ${Object.keys(SCENARIOS).join(', ')}\nAttacks and endurance: nesting [--seconds S] [--bin FILE], json-depth,\n  soak [--minutes N] [--rate R] [--sample S] [--bound MiB]

  --servers a,b,c      herald, naive, coalesced, target (default herald,naive,coalesced;
                       with --target: target,herald,naive,coalesced); herald-wN is
                       \`herald start --workers N\`, e.g. herald-w1,herald-w2 (ratio to herald-w1);
                       herald-console is Herald with a console page open, its log
                       unfiltered (ratio to herald)
  --target ws://h:p    an external Pusher-compatible server, with --app-id --key --secret
  --runs N             repetitions, interleaved across servers (default 3)
  --duration S         measured seconds per run (default 5), --warmup S (default 1)
  --clients N          receiver load processes (default 1; the publisher has its own)
  --workers N          start Herald with --workers N (pass-through)
  --server-cpus LIST   pin herald-wN servers to these CPUs (taskset -c LIST), e.g. 0-7; run the
                       bench itself under taskset -c on the other CPUs so the load stays apart
  --subscribers N      fanout / http-publish subscribers (default 1000 / 100)
  --channels C --per-channel S   many-channels (default 100 × 10)
  --members K --churners J       presence-churn (default 100 members, 10 churners);
                       presence-storm: K members join at once (default 5000)
  --rooms R --room-size G --tokens T   client-events (default 250 × 4, 2 tokens per room)
  --connections N      connections scenario (default 5000)
  --rate R|half[:srv]  events/s (fixed rate, intended-time latency); "half" = half of Herald's
                       (or srv's) max rate, measured first; default: as fast as the window allows
  --window E           events in flight when publishing as fast as possible (default 64)
  --concurrency N      concurrent HTTP requests (default 16)
  --payload B          event data bytes (default 64)
  --herald-config JSON Herald configuration overrides, e.g. '{"perMessageDeflate":true}'
  --cpu-prof           write V8 CPU profiles of the servers to bench/profiles
  --label L            suffix for the result files
  --out DIR            where to write results (default bench/results, charts in docs/benchmarks)
  --quiet              no progress lines`;

interface Cli {
  scenario: string;
  servers: ServerKind[];
  opts: BenchOptions;
  /** `--rate half[:server]`: half of that server's max rate, measured first (default herald). */
  rateHalf: ServerKind | null;
  target: string | null;
  app: TargetApp;
  workers: number;
  serverCpus: string | null;
  cpuProf: boolean;
  heraldConfig: Record<string, unknown>;
  label: string;
  out: string | null;
  quiet: boolean;
}

function parse(argv: string[]): Cli {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  const switches = new Set(['cpu-prof', 'quiet', 'help']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) flags[k] = v;
      else if (switches.has(k)) flags[k] = 'true';
      else flags[k] = argv[++i] ?? '';
    } else positional.push(a);
  }
  if (flags['help'] || positional.length === 0) {
    console.log(HELP);
    process.exit(positional.length === 0 && !flags['help'] ? 2 : 0);
  }
  const num = (k: string, d: number) => {
    if (flags[k] === undefined) return d;
    const n = Number(flags[k]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} must be a number`);
    return n;
  };
  const scenario = positional[0]!;
  const target = flags['target'] ?? null;
  const servers = (flags['servers'] ?? (target ? 'target,herald,naive,coalesced' : 'herald,naive,coalesced'))
    .split(',')
    .map((s) => s.trim()) as ServerKind[];
  for (const s of servers) {
    if (!['herald', 'herald-console', 'naive', 'coalesced', 'target'].includes(s) && workersOf(s) === null)
      throw new Error(`unknown server ${s}`);
  }
  const rateFlag = flags['rate'];
  return {
    scenario,
    servers,
    target,
    rateHalf: rateFlag?.startsWith('half')
      ? ((rateFlag.split(':')[1] ?? (target ? 'target' : 'herald')) as ServerKind)
      : null,
    app: {
      id: flags['app-id'] ?? 'bench-app',
      key: flags['key'] ?? 'bench-key',
      secret: flags['secret'] ?? 'bench-secret',
    },
    workers: num('workers', 1),
    serverCpus: flags['server-cpus'] ?? null,
    cpuProf: flags['cpu-prof'] === 'true',
    heraldConfig: flags['herald-config']
      ? (JSON.parse(flags['herald-config']) as Record<string, unknown>)
      : {},
    label: flags['label'] ?? '',
    out: flags['out'] ?? null,
    quiet: flags['quiet'] === 'true',
    opts: {
      runs: Math.max(1, num('runs', 3)),
      duration: num('duration', 5),
      warmup: num('warmup', 1),
      clients: Math.max(1, num('clients', 1)),
      subscribers: num('subscribers', scenario === 'http-publish' ? 100 : 1000),
      channels: num('channels', 100),
      perChannel: num('per-channel', 10),
      members: num('members', scenario === 'presence-storm' ? 5000 : 100),
      churners: num('churners', 10),
      rooms: num('rooms', 250),
      roomSize: Math.max(2, num('room-size', 4)),
      tokens: Math.max(1, num('tokens', 2)),
      connections: num('connections', 5000),
      concurrency: Math.max(1, num('concurrency', 16)),
      rate:
        rateFlag === undefined || rateFlag.startsWith('half') || rateFlag === 'max' ? null : num('rate', 0),
      window: Math.max(1, num('window', 64)),
      payload: num('payload', 64),
    },
  };
}

async function runOnce(cli: Cli, scenario: Scenario, kind: ServerKind, opts: BenchOptions): Promise<Metrics> {
  const server = await startServer(kind, {
    ...(cli.target ? { target: cli.target } : {}),
    app: cli.app,
    workers: cli.workers,
    heraldConfig: cli.heraldConfig,
    ...(cli.serverCpus ? { serverCpus: cli.serverCpus } : {}),
    ...(cli.cpuProf ? { cpuProfDir: join(ROOT, 'bench/profiles') } : {}),
  });
  const cluster = new Cluster(opts.clients);
  try {
    return await scenario.run({ server, cluster, opts, target: { ws: server.ws, app: cli.app } });
  } finally {
    await cluster.stop();
    await server.stop();
  }
}

function outputs(cli: Cli): { results: string; charts: string } {
  if (cli.out) return { results: cli.out, charts: cli.out };
  return { results: join(ROOT, 'bench/results'), charts: join(ROOT, 'docs/benchmarks') };
}

function chartFor(r: BenchResult): string {
  const panels = r.metrics
    .filter(
      (m) =>
        m.ratio ||
        m.key === 'p99_ms' ||
        // Read from the scenario as it is now, so results written before the flag existed get it too.
        SCENARIOS[r.scenario]?.metrics.find((x) => x.key === m.key)?.chart,
    )
    .map((m) => ({
      title: `${m.label}${m.unit === 'ms' ? ' (ms)' : ''} — ${m.better} is better`,
      unit: m.unit,
      bars: r.options.servers.map((s) => ({ label: s, spread: r.summary[s]?.[m.key] ?? null })),
    }))
    .filter((p) => p.bars.some((b) => b.spread));
  return barChart(
    `${r.scenario}${r.label ? ` (${r.label})` : ''}: median and range of ${r.options.runs} runs`,
    panels,
  );
}

async function runScenario(cli: Cli, name: string): Promise<BenchResult> {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario ${name}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  const machine = machineFacts();
  const log = (s: string) => {
    if (!cli.quiet) console.log(s);
  };
  log(`# ${name}: ${scenario.summary}`);
  log(`machine: ${describeMachine(machine)}`);
  const opts = { ...cli.opts };
  if (cli.rateHalf) {
    // The median of three short probes: one probe on a shared machine can be far off.
    const probes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const probe = await runOnce(cli, scenario, cli.rateHalf, {
        ...opts,
        rate: null,
        duration: 2,
        warmup: 0.5,
      });
      probes.push(probe['requests_per_s'] ?? 0);
    }
    const max = probes.sort((a, b) => a - b)[1]!;
    opts.rate = Math.max(1, Math.round(max / 2));
    log(
      `rate: half of ${cli.rateHalf}'s max ${max} events/s (probes ${probes.join(', ')}) = ${opts.rate} events/s`,
    );
  }
  const runs: RunRecord[] = [];
  for (let run = 0; run < opts.runs; run++) {
    // Interleave servers within a run so they share the machine's conditions of that moment.
    const order = run % 2 === 0 ? cli.servers : [...cli.servers].reverse();
    for (const kind of order) {
      try {
        const metrics = await runOnce(cli, scenario, kind, opts);
        runs.push({ run, server: kind, metrics });
        const head = scenario.metrics
          .slice(0, 3)
          .map((m) => `${m.label} ${metrics[m.key] ?? '–'}`)
          .join(', ');
        log(`run ${run + 1}/${opts.runs} ${kind.padEnd(9)} ${head}`);
      } catch (err) {
        runs.push({ run, server: kind, metrics: {}, error: (err as Error).message });
        console.error(`run ${run + 1}/${opts.runs} ${kind}: ${(err as Error).message}`);
      }
    }
  }
  const result: BenchResult = {
    scenario: name,
    label: cli.label,
    summaryLine: scenario.summary,
    machine,
    options: { ...opts, servers: cli.servers, workers: cli.workers, target: cli.target },
    metrics: scenario.metrics,
    ...summarizeRuns(scenario, cli.servers, runs),
    runs,
  };
  const dirs = outputs(cli);
  mkdirSync(dirs.results, { recursive: true });
  mkdirSync(dirs.charts, { recursive: true });
  const base = `${name}${cli.label ? `--${cli.label}` : ''}`;
  const svgPath = join(dirs.charts, `${base}.svg`);
  writeFileSync(join(dirs.results, `${base}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(svgPath, chartFor(result));
  const md = markdown(result, scenario.uses, relative(dirs.results, svgPath));
  writeFileSync(join(dirs.results, `${base}.md`), md);
  log('');
  log(md);
  return result;
}

/** Regenerates the figures between the markers in docs/benchmarks.md from bench/results/*.json. */
function report(): void {
  const dir = join(ROOT, 'bench/results');
  const order = Object.keys(SCENARIOS);
  const results = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchResult)
    .sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario) || a.label.localeCompare(b.label));
  const ratioRows: string[] = ['| scenario | ratio | median (range) |', '| --- | --- | ---: |'];
  for (const r of results) {
    for (const x of r.ratios) {
      const label = r.metrics.find((m) => m.key === x.metric)?.label ?? x.metric;
      ratioRows.push(
        `| ${r.scenario}${r.label ? ` (${r.label})` : ''} | ${x.server} / ${x.baseline}, ${label} | ${fmtRatio(x.spread)} |`,
      );
    }
  }
  const sections = results.map((r) => {
    const chart = `benchmarks/${r.scenario}${r.label ? `--${r.label}` : ''}.svg`;
    writeFileSync(join(ROOT, 'docs', chart), chartFor(r));
    return markdown(r, SCENARIOS[r.scenario]?.uses ?? [], chart);
  });
  const body = [
    '### All ratios (Herald ÷ baseline, computed per run)',
    '',
    ...ratioRows,
    '',
    ...sections,
  ].join('\n');
  const docPath = join(ROOT, 'docs/benchmarks.md');
  const doc = readFileSync(docPath, 'utf8');
  const start = '<!-- figures:start -->';
  const end = '<!-- figures:end -->';
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`docs/benchmarks.md has no ${start} … ${end} markers`);
  writeFileSync(docPath, `${doc.slice(0, a + start.length)}\n\n${body}\n${doc.slice(b)}`);
  // Keep the page in the repository's Markdown format so `npm run lint` stays green after a report.
  try {
    execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', docPath], { stdio: 'ignore' });
  } catch {
    console.error('docs/benchmarks.md written but not formatted: run npx biome format --write docs');
  }
  console.log(`docs/benchmarks.md: ${results.length} result(s)`);
}

async function main(): Promise<void> {
  // Runs of their own, against a `herald start` child rather than the three servers.
  const [first, ...rest] = process.argv.slice(2);
  if (first === 'nesting') {
    const { runNesting } = await import('./attacks/nesting.js');
    await runNesting(rest);
    return;
  }
  if (first === 'json-depth') {
    const { runJsonDepth } = await import('./attacks/json-depth.js');
    runJsonDepth();
    return;
  }
  if (first === 'soak') {
    const { runSoak } = await import('./soak.js');
    process.exitCode = await runSoak(rest);
    return;
  }
  const cli = parse(process.argv.slice(2));
  if (cli.scenario === 'report') {
    report();
    return;
  }
  if (cli.scenario === 'profile') {
    const { topFunctions } = await import('./report/profile.js');
    for (const f of process.argv.slice(3).filter((a) => !a.startsWith('--')))
      console.log(`${f}\n${topFunctions(f)}\n`);
    return;
  }
  const names = cli.scenario === 'all' ? Object.keys(SCENARIOS) : [cli.scenario];
  for (const n of names) await runScenario(cli, n);
}

main().then(
  () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
