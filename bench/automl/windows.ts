// The benchmark's windows: generated once from a seed, written once as little-endian float64 files
// that both sides read back (tml here, scikit-learn in bench/python/automl_bench.py), so both learn
// from identical bytes; the SHA-256 of each file goes into the spec and the results to prove it.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, Task } from '../../src/automl/dataset.js';
import { mulberry32, normal } from '../../src/automl/random.js';

export type Target = 'linear' | 'nonlinear' | 'classification';

export interface WindowSpec {
  id: string;
  rows: number;
  features: number;
  target: Target;
  task: Task;
  file: string;
  sha256: string;
  /** Timed runs of the whole selection; the median is reported. */
  repeats: number;
}

/** x ~ U(−2, 2)^p; only the first five features matter, the rest (p = 50) are noise columns. */
function targetOf(target: Target, x: Float64Array, o: number, random: () => number): number {
  switch (target) {
    case 'linear':
      return 3 * x[o] - 2 * x[o + 1] + x[o + 2] - 0.5 * x[o + 3] + 0.25 * x[o + 4] + 0.5 * normal(random);
    case 'nonlinear':
      return Math.sin(2 * x[o]) * x[o + 1] + 0.5 * x[o + 2] * x[o + 2] + 0.1 * normal(random);
    case 'classification':
      return 3 * x[o] - 2 * x[o + 1] + 2 * Math.sin(2 * x[o + 2]) + normal(random) > 0 ? 1 : 0;
  }
}

export function generate(rows: number, features: number, target: Target, seed: number): Float64Array {
  const random = mulberry32(seed);
  const values = new Float64Array(rows * features + rows);
  for (let i = 0; i < rows * features; i++) values[i] = 4 * random() - 2;
  for (let r = 0; r < rows; r++) values[rows * features + r] = targetOf(target, values, r * features, random);
  return values;
}

export function writeWindow(
  dir: string,
  id: string,
  rows: number,
  features: number,
  target: Target,
  seed: number,
  repeats: number,
): WindowSpec {
  mkdirSync(dir, { recursive: true });
  const values = generate(rows, features, target, seed);
  // Explicit little-endian bytes: the file must not depend on the machine's byte order.
  const bytes = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) bytes.writeDoubleLE(values[i], i * 8);
  const file = join(dir, `${id}.f64`);
  writeFileSync(file, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const task: Task = target === 'classification' ? 'classification' : 'regression';
  return { id, rows, features, target, task, file, sha256, repeats };
}

/** Reads a window back from its file (not from memory), checking the bytes are the ones announced. */
export function readWindow(window: WindowSpec): Dataset {
  const bytes = readFileSync(window.file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== window.sha256) throw new Error(`${window.file}: SHA-256 changed since it was written`);
  const { rows, features } = window;
  const x = new Float64Array(rows * features);
  const y = new Float64Array(rows);
  for (let i = 0; i < x.length; i++) x[i] = bytes.readDoubleLE(i * 8);
  for (let r = 0; r < rows; r++) y[r] = bytes.readDoubleLE((rows * features + r) * 8);
  const featureNames = Array.from({ length: features }, (_, j) => `x${j + 1}`);
  return { rows, features, x, y, featureNames, targetName: 'y' };
}
