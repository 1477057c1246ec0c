#!/usr/bin/env node
// tsc compiles only TypeScript: copy every other file under src/ (the Redis adapter's Lua scripts, the
// console's stylesheet, any asset a module reads at run time) beside its compiled module, so dist/src is
// complete on its own (npm package, Docker). To ship a new asset, put it under src/ next to the code that
// reads it and read it with `new URL('./file', import.meta.url)`: it then works from the clone and from the
// installed package, with no change to package.json's `files`. Build configurations (tsconfig*.json) stay out.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const isAsset = (name) => !name.endsWith('.ts') && !/^tsconfig.*\.json$/.test(name);

function copyTree(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    if (entry.isDirectory()) copyTree(src, join(to, entry.name));
    else if (isAsset(entry.name)) {
      mkdirSync(dirname(join(to, entry.name)), { recursive: true });
      copyFileSync(src, join(to, entry.name));
    }
  }
}

copyTree('src', 'dist/src');
