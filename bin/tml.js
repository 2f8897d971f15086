#!/usr/bin/env node
// The `tml` command. The TypeScript sources are compiled to dist/ by `npm install` (the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('tml: dist/ is missing; run `npm install` (or `npm run build`) in the tml folder first');
  process.exit(1);
}
await import(entry.href);
