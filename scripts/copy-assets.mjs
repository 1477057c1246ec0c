#!/usr/bin/env node
// tsc compiles only TypeScript: copy the other files the server reads at run time (the Redis adapter's
// Lua scripts, the console's stylesheet) beside their compiled modules, so dist/src is complete on its
// own (npm package, Docker).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const COPIED = ['.lua', '.css'];

function copyTree(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (entry.isDirectory()) copyTree(src, join(to, entry.name));
    else if (COPIED.some((ext) => entry.name.endsWith(ext))) {
      mkdirSync(dirname(join(to, entry.name)), { recursive: true });
      copyFileSync(src, join(to, entry.name));
    }
  }
}

copyTree('src', 'dist/src');
