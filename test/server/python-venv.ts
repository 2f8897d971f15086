// The real maadstml client in .cache/venv-viper (installed once from PyPI, pinned; reused later).
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

function run(command: string, args: string[], timeout: number) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout });
}

const ready = () => existsSync(python) && run(python, ['-c', 'import maadstml'], 60_000).status === 0;

/** Creates the venv once; test files running in parallel wait for the one that installs it. */
export function ensureClient(): void {
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
    if (!ready()) install();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function install(): void {
  const created = run('python3', ['-m', 'venv', venv], 120_000);
  assert.equal(created.status, 0, `python3 -m venv failed: ${created.stderr}`);
  const installed = run(join(venv, 'bin', 'pip'), ['install', '--quiet', MAADSTML], 600_000);
  assert.equal(installed.status, 0, `pip install ${MAADSTML} failed: ${installed.stderr}`);
}

export const hasPython = run('python3', ['--version'], 10_000).status === 0;

/** Runs a script of test/python asynchronously (the server answers from this process's event loop). */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeout = 600_000,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      python,
      [join(root, 'test/python', script), ...args],
      { encoding: 'utf8', timeout, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
