// The fitted numbers of the families whose solvers trade exactness of the path for speed, against
// scikit-learn on the same rows (test/python/automl_reference.py): logistic regression's coefficients
// from both of its solvers (Newton for few features, L-BFGS for many) and k-NN's neighbours from the
// brute-force scan and the k-d tree, and the RBF support-vector machine's decision values (SMO with
// shrinking against libsvm's solver). Needs Python (the scikit-learn venv of the server tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { neighbourBuffer, neighbourSearch } from '../../src/automl/algorithms/knn-search.js';
import { NEWTON_MAX_FEATURES, solveLogistic } from '../../src/automl/algorithms/logistic.js';
import { solveSvm } from '../../src/automl/algorithms/svm-solver.js';
import { mulberry32, normal } from '../../src/automl/random.js';
import { ensureClientWithSklearn, hasPython, root, runScript, sklearnPython } from '../server/python-venv.js';

/** U(−2, 2) rows with a label drawn from each row (offset o of x) and the generator. */
function labelledRows(
  rows: number,
  features: number,
  seed: number,
  label: (x: number[], o: number, random: () => number) => number,
): { x: number[]; y: number[] } {
  const random = mulberry32(seed);
  const x: number[] = [];
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) x.push(4 * random() - 2);
    y.push(label(x, r * features, random));
  }
  return { x, y };
}

/** Standardised rows with a class drawn from a linear score on the first three features. */
function classRows(rows: number, features: number, seed: number): { x: number[]; y: number[] } {
  const { x, y } = labelledRows(rows, features, seed, (v, o, random) =>
    2 * v[o] - 1.5 * v[o + 1] + 0.5 * v[o + 2] + normal(random) > 0 ? 1 : 0,
  );
  return { x: standardise(x, rows, features), y };
}

function standardise(x: number[], rows: number, p: number): number[] {
  const out = [...x];
  for (let j = 0; j < p; j++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += x[r * p + j];
    mean /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (x[r * p + j] - mean) ** 2;
    const sd = Math.sqrt(variance / rows);
    for (let r = 0; r < rows; r++) out[r * p + j] = (x[r * p + j] - mean) / sd;
  }
  return out;
}

/** scikit-learn's breast-cancer copy (30 features), standardised: correlated columns, near-separable. */
function breastCancer(): { x: number[]; y: number[]; rows: number } {
  const lines = readFileSync(join(root, 'test', 'fixtures', 'breast-cancer.csv'), 'utf8')
    .trimEnd()
    .split('\n');
  const body = lines.slice(1).map((line) => line.split(',').map(Number));
  const x = body.flatMap((values) => values.slice(0, -1));
  return { x: standardise(x, body.length, 30), y: body.map((values) => values[30]), rows: body.length };
}

interface LogisticCase {
  x: number[];
  y: number[];
  rows: number;
  features: number;
  l2: number;
}
interface NeighboursCase {
  train: number[];
  rows: number;
  queries: number[];
  queryRows: number;
  features: number;
  k: number;
}

const cancer = breastCancer();
const logisticCases: LogisticCase[] = [
  { ...classRows(3000, 8, 1), rows: 3000, features: 8, l2: 1e-3 },
  { ...classRows(4000, 50, 2), rows: 4000, features: 50, l2: 1e-3 },
  { ...classRows(1000, 25, 3), rows: 1000, features: 25, l2: 1 },
  { ...cancer, features: 30, l2: 1e-2 },
  { ...cancer, features: 30, l2: 1e-4 },
];

function uniformRows(rows: number, features: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: rows * features }, () => 4 * random() - 2);
}
const neighbourCases: NeighboursCase[] = [
  // 50 features: the brute-force scan; 5 features: the k-d tree.
  {
    train: uniformRows(3000, 50, 4),
    rows: 3000,
    queries: uniformRows(300, 50, 5),
    queryRows: 300,
    features: 50,
    k: 5,
  },
  {
    train: uniformRows(2000, 23, 6),
    rows: 2000,
    queries: uniformRows(200, 23, 7),
    queryRows: 200,
    features: 23,
    k: 10,
  },
  {
    train: uniformRows(3000, 5, 8),
    rows: 3000,
    queries: uniformRows(300, 5, 9),
    queryRows: 300,
    features: 5,
    k: 5,
  },
  {
    train: cancer.x.slice(0, 455 * 30),
    rows: 455,
    queries: cancer.x.slice(455 * 30),
    queryRows: 114,
    features: 30,
    k: 7,
  },
];

interface SvmCase {
  x: number[];
  y: number[];
  rows: number;
  features: number;
  c: number;
  gamma: number;
}

/** ±1 labels from a curved boundary (a sine and a parabola) with label noise near it. */
function curvedRows(rows: number, features: number, seed: number): { x: number[]; y: number[] } {
  return labelledRows(rows, features, seed, (v, o, random) =>
    Math.sin(2 * v[o]) + v[o + 1] ** 2 - 1 + 0.5 * normal(random) > 0 ? 1 : -1,
  );
}

const svmCases: SvmCase[] = [
  // Moderate C; a wide kernel on 9 features; a hard margin (C 100) on 2, where shrinking works most.
  { ...curvedRows(600, 4, 10), rows: 600, features: 4, c: 1, gamma: 0.25 },
  { ...curvedRows(900, 9, 11), rows: 900, features: 9, c: 10, gamma: 0.1 },
  { ...curvedRows(800, 2, 12), rows: 800, features: 2, c: 100, gamma: 0.5 },
  {
    x: cancer.x,
    y: cancer.y.map((v) => (v === 1 ? 1 : -1)),
    rows: cancer.rows,
    features: 30,
    c: 1,
    gamma: 1 / 30,
  },
];

test(
  'logistic coefficients (Newton and L-BFGS), k-NN neighbours and SVM decision values agree with scikit-learn',
  { skip: hasPython || process.env.CI === 'true' ? false : 'python3 is not installed', timeout: 900_000 },
  async () => {
    ensureClientWithSklearn();
    const dir = await mkdtemp(join(tmpdir(), 'tml-sklearn-reference-'));
    let answer: {
      logistic: Array<{ coefficients: number[]; intercept: number }>;
      neighbours: Array<{ index: number[][]; distance: number[][] }>;
      svm: Array<{ decision: number[]; supportVectors: number }>;
    };
    try {
      const file = join(dir, 'cases.json');
      await writeFile(
        file,
        JSON.stringify({ logistic: logisticCases, neighbours: neighbourCases, svm: svmCases }),
      );
      const result = await runScript('automl_reference.py', [file], {}, 600_000, sklearnPython);
      assert.equal(result.status, 0, `automl_reference.py:\n${result.stderr}`);
      answer = JSON.parse(result.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    logisticCases.forEach((c, i) => {
      const expected = [...answer.logistic[i].coefficients, answer.logistic[i].intercept];
      const scale = Math.max(1, ...expected.map(Math.abs));
      const problem = {
        x: Float64Array.from(c.x),
        y: Float64Array.from(c.y),
        n: c.rows,
        p: c.features,
        l2: c.l2,
      };
      for (const solver of ['newton', 'lbfgs'] as const) {
        const w = solveLogistic(problem, solver);
        const worst = Math.max(...expected.map((e, j) => Math.abs(w[j] - e)));
        assert.ok(
          worst <= 1e-6 * scale,
          `case ${i} (${c.rows}×${c.features}, l2 ${c.l2}) ${solver}: max |Δw| ${worst} against scikit-learn`,
        );
      }
    });
    // The cases cover both sides of the solver switch.
    assert.ok(logisticCases.some((c) => c.features <= NEWTON_MAX_FEATURES));
    assert.ok(logisticCases.some((c) => c.features > NEWTON_MAX_FEATURES));

    neighbourCases.forEach((c, i) => {
      const search = neighbourSearch(Float64Array.from(c.train), c.rows, c.features, c.k);
      const queries = Float64Array.from(c.queries);
      const into = neighbourBuffer(c.k);
      const { index, distance } = answer.neighbours[i];
      for (let q = 0; q < c.queryRows; q++) {
        search.search(queries, q * c.features, into);
        assert.deepEqual(Array.from(into.index), index[q], `case ${i} query ${q}: neighbours`);
        for (let j = 0; j < c.k; j++) {
          const d = distance[q][j];
          assert.ok(Math.abs(into.distance[j] - d) <= 1e-12 * d, `case ${i} query ${q}: distance ${j}`);
        }
      }
    });

    svmCases.forEach((c, i) => {
      const solution = solveSvm({
        x: Float64Array.from(c.x),
        y: Float64Array.from(c.y),
        rows: c.rows,
        features: c.features,
        c: c.c,
        gamma: c.gamma,
        tol: 1e-6,
        maxIterations: 10_000_000,
      });
      assert.ok(solution.converged, `svm case ${i}: converged`);
      const expected = answer.svm[i];
      let supportVectors = 0;
      for (const a of solution.alpha) if (a > 0) supportVectors++;
      assert.equal(supportVectors, expected.supportVectors, `svm case ${i}: support vectors`);
      // Both stop at a violation of 1e-6 from different paths: the decision values agree to ~1e-3.
      const worst = Math.max(...expected.decision.map((d, r) => Math.abs(solution.decision[r] - d)));
      assert.ok(
        worst <= 2e-3,
        `svm case ${i} (C ${c.c}, γ ${c.gamma}): max |Δf| ${worst} against scikit-learn`,
      );
      // And they are not trivially small: the case separates rows on both sides of the margin.
      assert.ok(Math.max(...expected.decision.map(Math.abs)) > 1);
    });
  },
);
