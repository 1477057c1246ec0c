/**
 * Herald as a stranger gets it, on a machine that has only Node (and git): the working tree copied to a
 * temporary folder with a temporary HOME (no ~/.npmrc, no caches of ours beyond npm's download cache),
 * then, in order, what the README promises:
 *
 * 1. `npm install` on the clean copy leaves `git status` clean (the lock file describes the tree);
 * 2. the test preflight passes here, and without Redis or Chromium it names exactly what to install;
 * 3. `npm pack` builds from a tree with no dist/ (prepack) and ships what the package needs;
 * 4. the tarball installs into an empty folder, where `npx herald start` serves pusher-js with no
 *    TypeScript toolchain around;
 * 5. the public API imports from JavaScript and type-checks from a TypeScript consumer (tsc);
 * 6. `npm test` (the README's command) runs in the copy: preflight, build, a test file.
 *
 * One copy, one install, one pack per run; the package name comes from package.json alone.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connected } from '../helpers/clients.js';
import { type HeraldProcess, killTree, spawnListening } from '../helpers/process.js';
import { PusherJs } from '../helpers/pusher-js.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
};

let work: string;
let tree: string;
let app: string;
let tarball: string | undefined;
let packedFiles: string[] = [];
/** A machine with only Node: PATH and a HOME of its own; npm's download cache is shared to save the network. */
let env: Record<string, string>;
const procs: HeraldProcess[] = [];
const clients: PusherJs[] = [];

function run(
  cmd: string,
  args: string[],
  cwd: string,
  extra: Record<string, string> = {},
  timeout = 300_000,
) {
  const r = spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout });
  return {
    code: r.status,
    stdout: r.stdout ?? '',
    out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`,
  };
}

function ok(cmd: string, args: string[], cwd: string, extra: Record<string, string> = {}) {
  const r = run(cmd, args, cwd, extra);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} in ${cwd} failed:\n${r.out}`);
  return r.stdout;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'herald-package-'));
  const home = join(work, 'home');
  mkdirSync(home);
  env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    npm_config_cache: process.env['npm_config_cache'] || join(homedir(), '.npm'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
  if (process.env['npm_config_registry']) env['npm_config_registry'] = process.env['npm_config_registry'];
  // The working tree as git sees it (tracked and new files, nothing ignored): what a commit would hold.
  tree = join(work, 'tree');
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && existsSync(join(ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(tree, f)), { recursive: true });
    cpSync(join(ROOT, f), join(tree, f));
  }
  ok('git', ['init', '-q'], tree);
  ok('git', ['add', '-A'], tree);
  ok('git', ['commit', '-q', '-m', 'copy'], tree);
  app = join(work, 'app');
  mkdirSync(app);
});

after(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(procs.map(killTree));
  rmSync(work, { recursive: true, force: true });
});

test('npm install on a clean clone leaves git status clean', { timeout: 300_000 }, () => {
  ok('npm', ['install', '--prefer-offline'], tree);
  const status = ok('git', ['status', '--porcelain'], tree);
  assert.equal(
    status,
    '',
    `npm install changed the clone:\n${status}\n${ok('git', ['diff', '--stat'], tree)}`,
  );
});

test('the test preflight passes here, and names what to install where Redis and Chromium are missing', () => {
  const here = run(process.execPath, ['scripts/preflight.mjs'], tree);
  assert.equal(here.code, 0, here.out);
  // A non-root user whose PATH has node and nothing else, and no Chromium.
  const bin = join(work, 'only-node');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const bare = run(join(bin, 'node'), ['scripts/preflight.mjs'], tree, {
    PATH: bin,
    PREFLIGHT_AS_ROOT: '0',
    PREFLIGHT_CHROMIUM: join(work, 'no-chromium'),
  });
  assert.equal(bare.code, 1, bare.out);
  assert.match(bare.out, /missing: redis-server and redis-cli/);
  assert.match(bare.out, /missing: Chromium at /);
  assert.match(bare.out, /sudo apt-get install -y redis-server chromium/);
});

test('npm pack builds from a tree without dist/ and ships what the package needs', {
  timeout: 300_000,
}, () => {
  assert.equal(existsSync(join(tree, 'dist')), false);
  const out = ok('npm', ['pack', '--json', '--pack-destination', work], tree);
  // npm prints the build's output before its JSON.
  const report = JSON.parse(out.slice(out.indexOf('[\n'))) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarball = join(work, report[0]!.filename);
  packedFiles = report[0]!.files.map((f) => f.path);
  const strip = (p: string) => p.replace(/^\.\//, '');
  const exportsRoot = PKG.exports['.'] as { types: string; default: string };
  for (const needed of [
    strip(PKG.main),
    strip(PKG.types),
    strip(exportsRoot.types),
    strip(exportsRoot.default),
    ...Object.values(PKG.bin).map(strip),
    'dist/src/cli/main.js',
    'README.md',
  ]) {
    assert.ok(packedFiles.includes(needed), `${needed} is not in the tarball`);
  }
  // Every runtime asset under src/ (the Lua scripts, at least) ships beside its compiled module.
  const assets = execFileSync('git', ['ls-files', 'src'], { cwd: tree, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.endsWith('.ts') && !/(^|\/)tsconfig[^/]*\.json$/.test(f));
  assert.ok(assets.some((f) => f.endsWith('.lua')));
  for (const a of assets) assert.ok(packedFiles.includes(`dist/${a}`), `asset ${a} is not in the tarball`);
  assert.deepEqual(
    packedFiles.filter((f) => f.endsWith('.map') || f.startsWith('dist/test') || f.startsWith('src/')),
    [],
  );
});

test('the tarball installs into an empty folder and `npx herald start` serves pusher-js', {
  timeout: 300_000,
}, async () => {
  assert.ok(tarball, 'no tarball (npm pack failed)');
  ok('npm', ['install', '--prefer-offline', tarball], app);
  assert.equal(
    existsSync(join(app, 'node_modules', 'typescript')),
    false,
    'typescript came with the package',
  );
  assert.equal(ok('npx', ['herald', '--version'], app).trim(), PKG.version);
  const herald = await spawnListening('npx', ['herald', 'start', '--port', '0'], env, {
    cwd: app,
    inherit: false,
  });
  procs.push(herald);
  const client = new PusherJs('app-key', {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: herald.port,
    forceTLS: false,
    enabledTransports: ['ws'],
  });
  clients.push(client);
  assert.match(await connected(client), /^\d+\.\d+$/);
});

test('the public API imports from JavaScript and type-checks from TypeScript', { timeout: 120_000 }, () => {
  assert.ok(existsSync(join(app, 'node_modules', PKG.name)), 'the package is not installed');
  writeFileSync(
    join(app, 'check.mjs'),
    `import { createHerald, loadConfig, ConfigAppStore, LocalAdapter, ConfigError, DEFAULT_LIMITS } from '${PKG.name}';
const config = loadConfig({ overrides: { port: 0, metrics: { enabled: false }, log: { level: 'silent' } } });
const herald = createHerald(config, { appStore: new ConfigAppStore(config.apps), adapter: new LocalAdapter() });
const { port } = await herald.listen();
await herald.close();
let refused = false;
try { loadConfig({ overrides: { port: -1 } }); } catch (err) { refused = err instanceof ConfigError; }
console.log(JSON.stringify({ port, refused, presence: DEFAULT_LIMITS.maxPresenceMembers }));
`,
  );
  const result = JSON.parse(ok(process.execPath, ['check.mjs'], app).trim()) as Record<string, unknown>;
  assert.ok(typeof result['port'] === 'number' && result['port'] > 0);
  assert.equal(result['refused'], true);

  writeFileSync(
    join(app, 'consumer.ts'),
    `import {
  type Adapter,
  type AppConfig,
  type AppStore,
  createHerald,
  type Herald,
  type HeraldConfig,
  loadConfig,
  type WebhookQueue,
} from '${PKG.name}';

class OneApp implements AppStore {
  constructor(private readonly app: AppConfig) {}
  async byKey(key: string) { return key === this.app.key ? this.app : undefined; }
  async byId(id: string) { return id === this.app.id ? this.app : undefined; }
  async ready() { return true; }
}

const config: HeraldConfig = loadConfig({ overrides: { port: 0 } });
const herald: Herald = createHerald(config, { appStore: new OneApp(config.apps[0]!) });
const adapter: Adapter = herald.adapter;
export const queueSize = (q: WebhookQueue): Promise<number> => q.size();
export const nodeId: string = adapter.nodeId;
// @ts-expect-error the types are real: a port is a number
loadConfig({ overrides: { port: 'six thousand' } });
`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
      },
      files: ['consumer.ts'],
    }),
  );
  // The repository's compiler, run from outside: the installed package brings none.
  ok(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app);
});

test("the README's `npm test` runs in the copy with a fresh HOME", { timeout: 300_000 }, () => {
  const out = ok('npm', ['test', '--', 'unit/banner'], tree);
  assert.match(out, /\bpass [1-9]/);
  assert.match(out, /\bfail 0\b/);
});
