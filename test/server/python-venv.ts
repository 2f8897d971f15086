// The real VIPER clients from PyPI, each in its own venv under .cache (installed once, pinned; reused
// later): maadstml in .cache/venv-viper, the older maads in .cache/venv-maads.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The client version the protocol notes were checked against (docs/viper-compatibility.md). */
export const MAADSTML = 'maadstml==3.70';

const here = fileURLToPath(import.meta.url);
export const root = join(here, here.includes(join('dist', 'test')) ? '../../../..' : '../../..');
const venv = join(root, '.cache', 'venv-viper');
export const python = join(venv, 'bin', 'python');

/**
 * The older `maads` client (the seed's `import maads`). 5.2.3, the newest, cannot be imported (its
 * __init__ names a function its module lacks); 5.2.2 imports once the packages it uses but does not
 * declare are there: async-timeout (4.x still has the synchronous `with` it uses), scipy, statsmodels.
 */
export const MAADS = [
  'maads==5.2.2',
  'async-timeout==4.0.3',
  'aiohttp==3.14.5',
  'numpy==2.4.6',
  'pandas==3.1.1',
  'scipy==1.17.1',
  'statsmodels==0.15.0',
  'numpy-indexed==0.3.7',
  'requests==2.34.2',
  'validators==0.14.2',
];
const maadsVenv = join(root, '.cache', 'venv-maads');
export const maadsPython = join(maadsVenv, 'bin', 'python');

function run(command: string, args: string[], timeout: number) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout });
}

/** Creates the maadstml venv once; test files running in parallel wait for the one that installs it. */
export function ensureClient(): void {
  ensureVenv(venv, 'maadstml', [MAADSTML]);
}

/**
 * maadstml with scikit-learn beside it (the classification build compares against its
 * LogisticRegression), pinned as bench/python/requirements.txt pins them.
 */
export const SKLEARN = [
  MAADSTML,
  'scikit-learn==1.9.1',
  'numpy==2.4.6',
  'scipy==1.17.1',
  'joblib==1.6.0',
  'threadpoolctl==3.8.0',
];
const sklearnVenv = join(root, '.cache', 'venv-viper-sklearn');
export const sklearnPython = join(sklearnVenv, 'bin', 'python');

export function ensureClientWithSklearn(): void {
  ensureVenv(sklearnVenv, 'maadstml, sklearn', SKLEARN);
}

/** Schemathesis (property-based tests of an OpenAPI document), in .cache/venv-schemathesis. */
export const SCHEMATHESIS = 'schemathesis==4.32.5';
export const schemathesis = join(root, '.cache', 'venv-schemathesis', 'bin', 'schemathesis');
export function ensureSchemathesis(): void {
  ensureVenv(join(root, '.cache', 'venv-schemathesis'), 'schemathesis', [SCHEMATHESIS]);
}

/** The same for the older maads client. */
export function ensureMaads(): void {
  ensureVenv(maadsVenv, 'maads', MAADS);
}

function ensureVenv(venv: string, module: string, packages: string[]): void {
  const interpreter = join(venv, 'bin', 'python');
  const ready = () =>
    existsSync(interpreter) && run(interpreter, ['-c', `import ${module}`], 60_000).status === 0;
  if (ready()) return;
  const lock = `${venv}.lock`;
  mkdirSync(join(root, '.cache'), { recursive: true });
  for (const deadline = Date.now() + 900_000; ;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${lock} is held for too long; remove it if no install runs`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    if (!ready()) {
      const created = run('python3', ['-m', 'venv', venv], 120_000);
      assert.equal(created.status, 0, `python3 -m venv failed: ${created.stderr}`);
      const installed = run(join(venv, 'bin', 'pip'), ['install', '--quiet', ...packages], 900_000);
      assert.equal(installed.status, 0, `pip install ${packages.join(' ')} failed: ${installed.stderr}`);
      assert.ok(ready(), `${module} does not import after its install`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export const hasPython = run('python3', ['--version'], 10_000).status === 0;

/** Runs a script of test/python asynchronously (the server answers from this process's event loop). */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeout = 600_000,
  interpreter = python,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      interpreter,
      [join(root, 'test/python', script), ...args],
      { encoding: 'utf8', timeout, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
