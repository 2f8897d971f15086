// Per-prediction feature contributions, one method per family (docs/automl.md §8, Explanations):
// TreeSHAP for the tree models, coefficient × centred value for the linear ones, Shapley values
// against the window's means for k-NN, the Gaussian process, the SVM and ridge on squares and products.
// Each answers contributions that add up to the output minus the base value, in the output space
// the model is additive in: the value, the log-odds (logistic regression, boosted classifiers) or
// the probability (k-NN, SVM and forest classifiers).

import type { Algorithm } from '../algorithm.js';
import { ensembleFromParameters, TREE_ENCODING } from '../algorithms/trees/ensemble.js';
import { decodeFloat32 } from '../algorithms/trees/encoding.js';
import type { LinearParameters } from '../algorithms/linear/linear-model.js';
import { ExplanationUnavailableError } from '../errors.js';
import type { ModelJSON } from '../model.js';
import { baselineShapley } from './baseline-shapley.js';
import { treeExpectation, treeShap } from './tree-shap.js';

export type ExplanationMethod = 'tree-shap' | 'linear' | 'baseline-shapley' | 'sampled-shapley';
export type ExplanationOutput = 'value' | 'log-odds' | 'probability';

export interface Explanation {
  method: ExplanationMethod;
  /** The space in which baseValue + Σ contributions equals the model's output for the row. */
  output: ExplanationOutput;
  /** The output when nothing is known of the row (trees: the training rows' mean output). */
  baseValue: number;
  /** One per feature, in the model's featureNames order. */
  contributions: number[];
}

/** What a model JSON keeps for explanations beside its (hashed) parameters. */
export interface ExplanationData {
  /** Tree models: every node's cover (training rows reaching it), base64 Float32 like the nodes. */
  covers?: string;
}

const LINEAR = new Set(['ols', 'ridge', 'lasso', 'elastic_net', 'logistic']);

/** Explains one standardised row `z` of the model `json`. */
export function explainStandardised(json: ModelJSON, algorithm: Algorithm, z: Float64Array): Explanation {
  const p = z.length;
  if (LINEAR.has(json.algorithm)) {
    const { intercept, coefficients } = json.parameters as LinearParameters;
    return {
      method: 'linear',
      output: json.algorithm === 'logistic' ? 'log-odds' : 'value',
      baseValue: intercept,
      contributions: Array.from(z, (v, f) => coefficients[f] * v),
    };
  }
  if (json.parameters.encoding === TREE_ENCODING) return explainTrees(json, z);
  const predict = (x: Float64Array, rows: number, out: Float64Array) =>
    algorithm.predict(json.parameters, x, rows, p, out);
  const shapley = baselineShapley(predict, z, new Float64Array(p));
  return {
    method: shapley.method,
    output: json.task === 'classification' ? 'probability' : 'value',
    baseValue: shapley.baseValue,
    contributions: Array.from(shapley.contributions),
  };
}

/** Explaining one row costs this many path steps at most; global importances stay within IMPORTANCE_WORK. */
const IMPORTANCE_WORK = 2e7;
const MIN_IMPORTANCE_ROWS = 10;

/**
 * How many of the window's newest rows global importances average over: `rows` at most, fewer
 * for a tree ensemble whose TreeSHAP (leaves × depth² per tree) would take long (deep forests),
 * so registering a model version stays short. Deterministic, so the registry's figures are too.
 */
export function importanceRows(json: ModelJSON, rows: number): number {
  if (json.parameters.encoding !== TREE_ENCODING) return rows;
  const e = ensembleFromParameters(json.parameters);
  let work = 0;
  const stack: number[] = [];
  for (const root of e.roots) stack.push(root, 0);
  while (stack.length > 0) {
    const d = stack.pop() as number;
    const n = stack.pop() as number;
    if (e.feature[n] < 0) work += (d + 1) * (d + 1);
    else stack.push(e.left[n], d + 1, e.right[n], d + 1);
  }
  return Math.min(rows, Math.max(MIN_IMPORTANCE_ROWS, Math.floor(IMPORTANCE_WORK / work)));
}

function explainTrees(json: ModelJSON, z: Float64Array): Explanation {
  const e = ensembleFromParameters(json.parameters);
  const covers = coversOf(json, e.feature.length);
  const divisor = e.aggregation === 'mean' ? e.roots.length : 1;
  const phi = new Float64Array(z.length);
  for (const root of e.roots) treeShap(e, covers, root, z, phi, 1 / divisor);
  let expectation = expectations.get(covers);
  if (expectation === undefined) {
    expectation = 0;
    for (const root of e.roots) expectation += treeExpectation(e, covers, root);
    expectations.set(covers, expectation);
  }
  return {
    method: 'tree-shap',
    output: e.link === 'logistic' ? 'log-odds' : json.task === 'classification' ? 'probability' : 'value',
    baseValue: e.baseScore + expectation / divisor,
    contributions: Array.from(phi),
  };
}

const decodedCovers = new WeakMap<ExplanationData, Float32Array>();
/** Σ of the trees' expectations, by covers (a model's covers are decoded once). */
const expectations = new WeakMap<Float32Array, number>();

function coversOf(json: ModelJSON, nodes: number): Float32Array {
  const data = json.explanation;
  if (data?.covers === undefined) {
    throw new ExplanationUnavailableError(
      'explain',
      `the ${json.algorithm} model has no node covers (it was fitted before explanations existed): retrain it to explain its predictions`,
    );
  }
  let covers = decodedCovers.get(data);
  if (covers === undefined) {
    covers = decodeFloat32(data.covers, 'covers');
    if (covers.length !== nodes) {
      throw new ExplanationUnavailableError(
        'explain',
        `the model's covers hold ${covers.length} nodes, its trees ${nodes}`,
      );
    }
    decodedCovers.set(data, covers);
  }
  return covers;
}
