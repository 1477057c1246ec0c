/**
 * examples/who-is-online in Chromium: 1,000 simulated members (two simulator processes, pusher-js in
 * Node) join the presence channel; the page's count and the backend's webhook-fed table both read 1,001
 * (with the page itself). Killing the 50-member simulator with SIGKILL (no unsubscribe, no close frame)
 * brings both to exactly 951, and the list stays virtualised (a few dozen rows in the DOM).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { type RunningExample, startWithChromium } from './example-app.js';

const SIMULATE = fileURLToPath(new URL('../../examples/who-is-online/simulate.js', import.meta.url));

let example: RunningExample;
let browser: Browser;
const simulators: ChildProcess[] = [];

before(async () => {
  [example, browser] = await startWithChromium('who-is-online');
});

after(async () => {
  for (const child of simulators) child.kill('SIGKILL');
  await browser?.close();
  await example?.stop();
});

/** Starts a simulator as the README does and resolves once all its members are in. */
function simulate(count: number, prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SIMULATE, example.url, String(count), prefix], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  simulators.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`simulator ${prefix} did not finish joining:\n${out}`)),
      60_000,
    );
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('simulated members joined')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator ${prefix} exited with ${code}:\n${out}`));
    });
  });
}

async function counts(page: Page, members: number, table: number): Promise<void> {
  await page.locator('#members', { hasText: new RegExp(`^${members}$`) }).waitFor({ timeout: 40_000 });
  await page.locator('#table', { hasText: new RegExp(`^${table}$`) }).waitFor({ timeout: 40_000 });
}

test('1,000 members in, 50 killed without closing: page and webhook table both exact', async () => {
  const page = await browser.newPage({ viewport: { width: 700, height: 560 } });
  await page.goto(example.url);
  await counts(page, 1, 1);

  const [, crashing] = await Promise.all([simulate(950, 'steady'), simulate(50, 'crash')]);
  await counts(page, 1001, 1001);
  const rows = await page.locator('#list .row').count();
  assert.ok(rows > 5 && rows < 40, `the list renders only visible rows, got ${rows}`);

  crashing.kill('SIGKILL');
  await counts(page, 951, 951);
  const api = (await (await fetch(`${example.url}/api/online`)).json()) as { count: number };
  assert.equal(api.count, 951);
  // Scrolled to the end the list shows the last members, not the killed ones.
  await page.locator('#list').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await page.locator('#list .row', { hasText: 'viewer-' }).waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('#list .row', { hasText: 'crash-' }).count(), 0);
  await page.locator('#list').evaluate((el) => {
    el.scrollTop = 0;
  });
  await page.screenshot({ path: 'test-output/examples-who-is-online.png' });
});
