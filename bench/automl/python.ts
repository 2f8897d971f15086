// Runs scikit-learn's side of the benchmark in the repository's venv (scripts/python-venv.sh), as a
// long-lived process answering one window at a time, so the two sides can be interleaved.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface PythonEntry {
  id: string;
  fitMs: number;
  rmse?: number;
  accuracy?: number;
  logLoss?: number;
}

export interface PythonRun {
  id: string;
  sha256: string;
  /** scikit-learn's native threads (OpenMP, BLAS, joblib n_jobs) for this run. */
  threads: number;
  /** The candidates' loop alone: fit on the oldest rows + predict the holdout, best known. */
  searchMs: number;
  searchMsRuns: number[];
  /** The loop plus the refit of its best candidate on the whole window (tml's `selectModel`). */
  selectMs: number;
  selectMsRuns: number[];
  /** The refit alone (median over the runs). */
  refitBestMs: number;
  best: PythonEntry;
  leaderboard: PythonEntry[];
}

export interface PythonWindow {
  parallel: PythonRun;
  single: PythonRun;
}

export interface PythonMicro {
  olsFit1000x5Ms: number;
  ridgeFit1000x5Ms: number;
  linearPredictRowsPerS: number;
  gbdt100PredictRowsPerS: number;
}

export interface PythonEnvironment {
  python: string;
  sklearn: string;
  numpy: string;
  blas: Array<Record<string, unknown>>;
  blasSelfCheck: string;
  cores: number;
  /** What was done with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for this process. */
  openblasEnvironment: string;
}

/** The repository root, whether this runs from bench/ (tsx) or from dist/bench/ (compiled). */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

const root = repositoryRoot();

/** Creates the venv if needed and returns its python's path. */
export function ensureVenv(): string {
  const result = spawnSync('bash', [join(root, 'scripts', 'python-venv.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`scripts/python-venv.sh failed (exit ${result.status})`);
  return result.stdout.trim();
}

export class PythonSide {
  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly lines: AsyncIterator<string>,
    private readonly reader: Interface,
    readonly environment: PythonEnvironment,
  ) {}

  /**
   * Starts bench/python/automl_bench.py on the spec. The machine may pin OpenBLAS to an older kernel
   * (OPENBLAS_CORETYPE, for old builds that compute wrong results on some processors); that slows a
   * current numpy, so the first attempt unsets both variables for this process only, and the script
   * refuses (exit 3) if the kernel it then picks fails its self-check — in which case it restarts
   * with the environment untouched.
   */
  static async start(python: string, specFile: string): Promise<PythonSide> {
    const pinned = process.env.OPENBLAS_CORETYPE;
    const unset = { ...process.env };
    delete unset.OPENBLAS_CORETYPE;
    delete unset.OPENBLAS_L2_SIZE;
    const first = await PythonSide.launch(python, specFile, unset);
    if (first instanceof PythonSide) {
      first.environment.openblasEnvironment = pinned
        ? `OPENBLAS_CORETYPE=${pinned} and OPENBLAS_L2_SIZE unset for the Python process; the kernel OpenBLAS then picked passed the self-check`
        : 'OPENBLAS_CORETYPE not set; OpenBLAS picked its kernel';
      return first;
    }
    if (first === 3 && pinned) {
      const second = await PythonSide.launch(python, specFile, process.env);
      if (second instanceof PythonSide) {
        second.environment.openblasEnvironment = `OPENBLAS_CORETYPE=${pinned} kept: the unpinned kernel failed the self-check`;
        return second;
      }
    }
    throw new Error(`bench/python/automl_bench.py did not start (exit ${String(first)})`);
  }

  private static async launch(
    python: string,
    specFile: string,
    env: NodeJS.ProcessEnv,
  ): Promise<PythonSide | number | null> {
    const script = join(root, 'bench', 'python', 'automl_bench.py');
    const child = spawn(python, [script, specFile], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const reader = createInterface({ input: child.stdout });
    const lines = reader[Symbol.asyncIterator]();
    const first = await Promise.race([lines.next(), exited]);
    if (typeof first === 'number' || first === null) return first;
    if (first.done) return await exited;
    const environment = JSON.parse(first.value) as PythonEnvironment;
    return new PythonSide(child, lines, reader, environment);
  }

  private async request<T>(command: string): Promise<T> {
    this.child.stdin.write(command + '\n');
    const line = await this.lines.next();
    if (line.done) throw new Error(`Python side exited during "${command}"`);
    const parsed = JSON.parse(line.value) as T & { error?: string };
    if (parsed.error !== undefined) throw new Error(`Python side: ${parsed.error}`);
    return parsed;
  }

  window(id: string): Promise<PythonWindow> {
    return this.request<PythonWindow>(`window ${id}`);
  }

  micro(): Promise<PythonMicro> {
    return this.request<PythonMicro>('micro');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    this.reader.close();
    await exited;
  }
}
