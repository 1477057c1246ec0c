/**
 * The docs stand alone: every relative link in README.md and docs/ points at a file of the repository,
 * every `#anchor` at a heading of its target (GitHub's slugs), and no page cites material that is not in
 * the repository (the protocol checklist's old location or its section numbers).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) markdownFiles(full, out);
    else if (name.endsWith('.md')) out.push(full);
  }
  return out;
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The text outside fenced code blocks and inline code, where links are links. */
function prose(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lowercased, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1]!,
  );
}

const pages = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];

test('every relative link and anchor in README.md and docs/ resolves', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages) {
    const text = readFileSync(page, 'utf8');
    for (const link of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http:, https:, mailto:
      checked++;
      const [pathPart, anchor] = link.split('#') as [string, string | undefined];
      const target = pathPart === '' ? page : resolve(dirname(page), decodeURIComponent(pathPart));
      const where = `${relative(ROOT, page)}: ${link}`;
      if (!target.startsWith(ROOT) || !existsSync(target)) {
        broken.push(`${where} (no such file)`);
        continue;
      }
      if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) {
        broken.push(`${where} (no heading #${anchor} in ${relative(ROOT, target)})`);
      }
    }
  }
  assert.ok(checked > 20, `only ${checked} relative links found: is the link pattern still right?`);
  assert.deepEqual(broken, []);
});

test('no page cites the protocol checklist outside the repository or by section number', () => {
  const cites: string[] = [];
  for (const page of pages) {
    readFileSync(page, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/shared\/spec|spec §|§\s?\d/.test(line))
          cites.push(`${relative(ROOT, page)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(cites, []);
});

test('the anchor rules match GitHub on the headings this repository uses', () => {
  const a = anchors(
    '# Herald\n## Quick start\n### `npm test` and CI\n## Moving from soketi (1.x)\n## Quick start\n',
  );
  assert.deepEqual(
    [...a],
    ['herald', 'quick-start', 'npm-test-and-ci', 'moving-from-soketi-1x', 'quick-start-1'],
  );
});
