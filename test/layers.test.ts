// The layer check (`npm run lint:layers`, .dependency-cruiser.cjs) run on a small project laid out
// like src/: it must report an import against DESIGN.md §3's table, dynamic `import()` included,
// and let through what the table allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = process.cwd(); // tests run from the repository root
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

async function cruise(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tml-layers-'));
  try {
    await copyFile(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    await copyFile(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return await new Promise((resolve) => {
      execFile(
        process.execPath,
        [depcruise, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
        { cwd: dir },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const base = {
  'src/server/app.ts': 'export const app = 1;\n',
  'src/backbone/types.ts': 'export interface Backbone { close(): Promise<void> }\n',
  'src/backbone/open.ts': 'export const openBackbone = (): number => 1;\n',
  'src/automl/model.ts': 'export const fit = (): number => 1;\n',
};

test('an allowed layering passes: server uses backbone, cli uses backbone types only', async () => {
  const { code, output } = await cruise({
    ...base,
    'src/server/uses.ts':
      "import { openBackbone } from '../backbone/open.js';\nexport const b = openBackbone();\n",
    'src/cli/uses.ts':
      "import type { Backbone } from '../backbone/types.js';\nexport type B = Backbone;\n" +
      "export const load = () => import('../server/app.js');\n",
  });
  assert.equal(code, 0, output);
  assert.match(output, /no dependency violations found/);
});

test('a dynamic import() against the table is reported by file and rule', async () => {
  const { code, output } = await cruise({
    ...base,
    'src/backbone/leak.ts': "export const load = async () => (await import('../server/app.js')).app;\n",
  });
  assert.notEqual(code, 0, output);
  assert.match(output, /error layer-backbone: src\/backbone\/leak\.ts → src\/server\/app\.ts/);
});

test('cli may not run backbone code, not even lazily beside a type use of the same module', async () => {
  const { code, output } = await cruise({
    ...base,
    'src/cli/context.ts':
      "export type Open = typeof import('../backbone/open.js').openBackbone;\n" +
      "export const open = async () => (await import('../backbone/open.js')).openBackbone();\n",
    'src/cli/demo.ts': "import { fit } from '../automl/model.js';\nexport const m = fit();\n",
  });
  assert.notEqual(code, 0, output);
  assert.match(output, /layer-cli-backbone-types-only: src\/cli\/context\.ts → src\/backbone\/open\.ts/);
  assert.match(output, /error layer-cli: src\/cli\/demo\.ts → src\/automl\/model\.ts/);
  assert.match(output, /2 dependency violations/);
});
