// Runs the compiled `tml` command (node bin/tml.js) as a child process, each test with its own
// temporary data directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** The repository root: the nearest folder upwards with tml's package.json (from dist/test/cli or test/cli). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dir !== dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'tml') {
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the tml repository root');
})();

export const BIN = join(ROOT, 'bin', 'tml.js');

/** A fresh data directory, removed when the test ends. */
export function dataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tml-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The environment without tml's own variables, so the developer's settings never leak into a test. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('TML_')) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface TmlResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is always a pipe, never a terminal). */
  input?: string;
  env?: Record<string, string>;
  cwd?: string;
  /** Extra arguments for node itself, e.g. `--max-old-space-size=64`. */
  nodeArgs?: string[];
}

/** Runs `tml --data-dir <dir> ...args` to the end. */
export function tml(dir: string | null, args: string[], options: RunOptions = {}): Promise<TmlResult> {
  const child = startTml(dir, args, options);
  child.stdin?.end(options.input ?? '');
  return finished(child);
}

export function startTml(dir: string | null, args: string[], options: RunOptions = {}): ChildProcess {
  const dirArgs = dir === null ? [] : ['--data-dir', dir];
  return spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...dirArgs, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Kills the child when the test ends, should an assertion have failed while it ran. */
export function killAfter<T extends ChildProcess>(t: TestContext, child: T): T {
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** Collects the output of a child process until it exits. */
export function finished(child: ChildProcess): Promise<TmlResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Each child's stdout since the first `waitForOutput` on it, and who waits for more. */
const collected = new WeakMap<ChildProcess, { text: string; waiters: Set<() => void> }>();

/**
 * Resolves once the child's stdout (as collected since the first call for this child) satisfies
 * `done`; rejects after `ms`. Output that arrived between two calls counts: a follower may print
 * what a second command produced before that command's own process has closed.
 */
export function waitForOutput(
  child: ChildProcess,
  done: (stdout: string) => boolean,
  ms = 10_000,
): Promise<string> {
  let state = collected.get(child);
  if (state === undefined) {
    const created = { text: '', waiters: new Set<() => void>() };
    child.stdout?.on('data', (chunk: Buffer | string) => {
      created.text += chunk.toString();
      for (const waiter of [...created.waiters]) waiter();
    });
    collected.set(child, created);
    state = created;
  }
  const output = state;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done(output.text)) return;
      clearTimeout(timer);
      output.waiters.delete(check);
      resolve(output.text);
    };
    const timer = setTimeout(() => {
      output.waiters.delete(check);
      reject(new Error(`timed out after ${ms} ms; stdout so far: ${JSON.stringify(output.text)}`));
    }, ms);
    output.waiters.add(check);
    check();
  });
}

/** Runs tml and asserts success; returns stdout. */
export async function ok(dir: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await tml(dir, args, options);
  if (result.code !== 0) {
    throw new Error(`tml ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

/** The earliest/latest offsets of every partition, to check that a failed command changed nothing. */
export async function offsets(dir: string, topic: string): Promise<string> {
  const description = JSON.parse(await ok(dir, ['topics', 'describe', topic, '--json'])) as {
    partitions: unknown[];
  };
  return JSON.stringify(description.partitions);
}
