#!/usr/bin/env node
// Bundles the console (console/: Preact + uPlot) into dist/console with esbuild: one script, one
// stylesheet and the page, served by `tml serve` with no CDN. Run by `npm run build`.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/console/`;
await mkdir(out, { recursive: true });
await build({
  entryPoints: [`${root}console/src/main.tsx`],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outfile: `${out}app.js`,
  logLevel: 'warning',
  legalComments: 'linked',
});
const css = [
  await readFile(`${root}node_modules/uplot/dist/uPlot.min.css`, 'utf8'),
  await readFile(`${root}console/src/style.css`, 'utf8'),
].join('\n');
await writeFile(`${out}app.css`, css);
await copyFile(`${root}console/index.html`, `${out}index.html`);
