// A trained model as versioned JSON (DESIGN.md §4: models are data, never code) and the wrapper that
// predicts from it. The wrapper owns standardisation: it fits mean/std on the training rows, keeps
// them in the JSON, and standardises every input before the algorithm sees it.

import type { Algorithm, Hyperparameters, ModelParameters } from './algorithm.js';
import { getAlgorithm } from './algorithms/index.js';
import { asJsonData } from './data/json-data.js';
import { fitNormalisation, standardise, type Normalisation } from './data/normalisation.js';
import type { Dataset, Task } from './dataset.js';
import { AutoMLError, InvalidInputError } from './errors.js';
import { coversFromFit, ensembleFromParameters, TREE_ENCODING } from './algorithms/trees/ensemble.js';
import { encodeArray } from './algorithms/trees/encoding.js';
import {
  explainStandardised,
  importanceRows,
  treeCovers,
  type Explanation,
  type ExplanationData,
} from './explain/index.js';

export const MODEL_SCHEMA_VERSION = 1;

export interface ModelJSON {
  schemaVersion: 1;
  algorithm: string;
  task: Task;
  hyperparameters: Hyperparameters;
  parameters: ModelParameters;
  featureNames: string[];
  targetName: string;
  normalisation: Normalisation;
  metrics: Record<string, number>;
  /** Where the window came from (topic offsets, solution id); set by the caller, opaque here. */
  lineage?: Record<string, unknown>;
  trainedAt: string;
  /** Rows of the window the parameters were learnt from. */
  rows: number;
  /**
   * What explanations need beyond the parameters (tree node covers). Kept outside `parameters` so
   * the learners' fitted output, pinned by hash, stays the same.
   */
  explanation?: ExplanationData;
  /**
   * Held-out absolute errors (regression) or class scores (classification) for split-conformal
   * intervals and prediction sets (conformal/calibration.ts).
   */
  calibration?: { absoluteResiduals?: number[]; classScores?: number[] };
}

/**
 * Global importances are the mean |contribution| over at most this many of the window's newest
 * rows (fewer for deep forests: explain/explain.ts, importanceRows).
 */
export const IMPORTANCE_ROWS = 100;

export interface FitOptions {
  metrics?: Record<string, number>;
  lineage?: Record<string, unknown>;
  trainedAt?: string;
}

/** Probability at or above which a classifier's `predict` answers class 1. */
export const CLASSIFICATION_THRESHOLD = 0.5;

export class Model {
  /** Documented fallbacks taken while fitting (constant features, SVD instead of Cholesky, ...). */
  readonly fallbacks: readonly string[];
  private readonly scratchRow: Float64Array;
  private readonly outRow = new Float64Array(1);

  private constructor(
    private readonly json: ModelJSON,
    private readonly algorithm: Algorithm,
    fallbacks: string[],
  ) {
    this.fallbacks = fallbacks;
    this.scratchRow = new Float64Array(json.featureNames.length);
  }

  static fit(
    algorithmName: string,
    data: Dataset,
    hyperparameters: Hyperparameters,
    task: Task,
    options: FitOptions = {},
  ): Model {
    const algorithm = getAlgorithm(algorithmName, task);
    validateDataset(data, task);
    const normalisation = fitNormalisation(data.x, data.rows, data.features);
    const x = standardise(data.x, data.rows, data.features, normalisation, new Float64Array(data.x.length));
    const fitted = algorithm.fit({ ...data, x }, hyperparameters, task);
    // As a JSON round trip gives them back, so this instance predicts from exactly what a loaded
    // copy will read (e.g. −0 becomes 0): predictions are then bit-identical after a round trip by
    // construction. (Parameters that are JSON data already are kept as they are, not copied.)
    const parameters = asJsonData(fitted);
    const fallbacks = normalisation.constantFeatures.map(
      (f) => `feature ${data.featureNames[f]} is constant in the window: standardised with std 1 (no effect)`,
    );
    const json: ModelJSON = {
      schemaVersion: MODEL_SCHEMA_VERSION,
      algorithm: algorithm.name,
      task,
      hyperparameters: { ...hyperparameters },
      parameters,
      featureNames: [...data.featureNames],
      targetName: data.targetName,
      normalisation: { mean: normalisation.mean, std: normalisation.std },
      metrics: { ...(options.metrics ?? {}) },
      trainedAt: options.trainedAt ?? new Date().toISOString(),
      rows: data.rows,
    };
    if (options.lineage !== undefined) json.lineage = options.lineage;
    if (parameters.encoding === TREE_ENCODING) {
      // The rows reaching each node, which TreeSHAP weighs by: counted while growing when every
      // row was in every tree (GBDT without subsampling), else a separate pass after growing.
      const covers = coversFromFit(fitted) ?? treeCovers(ensembleFromParameters(parameters), x, data.rows);
      json.explanation = { covers: encodeArray(covers) };
    }
    return new Model(json, algorithm, [...fallbacks, ...parameterFallbacks(parameters)]);
  }

  static fromJSON(input: ModelJSON | string): Model {
    const json = (typeof input === 'string' ? JSON.parse(input) : input) as ModelJSON;
    if (json === null || typeof json !== 'object')
      throw new InvalidInputError('model JSON must be an object');
    if (json.schemaVersion !== MODEL_SCHEMA_VERSION) {
      throw new InvalidInputError(
        `unsupported model schemaVersion ${String(json.schemaVersion)} (this build reads ${MODEL_SCHEMA_VERSION})`,
      );
    }
    if (json.task !== 'regression' && json.task !== 'classification') {
      throw new InvalidInputError(
        `model task must be regression or classification, got ${String(json.task)}`,
      );
    }
    const algorithm = getAlgorithm(json.algorithm, json.task);
    const p = Array.isArray(json.featureNames) ? json.featureNames.length : -1;
    const n = json.normalisation;
    if (
      p < 0 ||
      !n ||
      !Array.isArray(n.mean) ||
      !Array.isArray(n.std) ||
      n.mean.length !== p ||
      n.std.length !== p
    ) {
      throw new InvalidInputError(
        'model JSON: featureNames and normalisation mean/std must have equal lengths',
      );
    }
    if (json.parameters === null || typeof json.parameters !== 'object') {
      throw new InvalidInputError('model JSON: parameters must be an object');
    }
    return new Model(json, algorithm, parameterFallbacks(json.parameters));
  }

  get task(): Task {
    return this.json.task;
  }

  get algorithmName(): string {
    return this.json.algorithm;
  }

  get featureNames(): readonly string[] {
    return this.json.featureNames;
  }

  get features(): number {
    return this.json.featureNames.length;
  }

  /** Regression: the predicted value. Classification: the class (0 or 1) at threshold 0.5. */
  predict(x: Float64Array, rows: number): Float64Array {
    const out = this.raw(x, rows);
    if (this.json.task === 'classification') {
      for (let r = 0; r < rows; r++) out[r] = out[r] >= CLASSIFICATION_THRESHOLD ? 1 : 0;
    }
    return out;
  }

  /** Probability of class 1 for each row; classifiers only. */
  predictProba(x: Float64Array, rows: number): Float64Array {
    this.requireClassifier();
    return this.raw(x, rows);
  }

  /** One row, values in `featureNames` order. */
  predictRow(values: ArrayLike<number>): number {
    const p = this.scratchRow.length;
    if (values.length !== p) {
      throw new InvalidInputError(
        `expected ${p} values (${this.json.featureNames.join(', ')}), got ${values.length}`,
      );
    }
    for (let f = 0; f < p; f++) this.scratchRow[f] = values[f];
    const v = this.rawInto(this.scratchRow, 1, this.outRow)[0];
    return this.json.task === 'classification' ? (v >= CLASSIFICATION_THRESHOLD ? 1 : 0) : v;
  }

  predictRowProba(values: ArrayLike<number>): number {
    this.requireClassifier();
    const p = this.scratchRow.length;
    if (values.length !== p) throw new InvalidInputError(`expected ${p} values, got ${values.length}`);
    for (let f = 0; f < p; f++) this.scratchRow[f] = values[f];
    return this.rawInto(this.scratchRow, 1, this.outRow)[0];
  }

  /** Feature contributions to the prediction for one row (values in `featureNames` order). */
  explainRow(values: ArrayLike<number>): Explanation {
    const p = this.scratchRow.length;
    if (values.length !== p) {
      throw new InvalidInputError(
        `expected ${p} values (${this.json.featureNames.join(', ')}), got ${values.length}`,
      );
    }
    const x = Float64Array.from(values);
    const bad = x.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new InvalidInputError(`non-finite value ${x[bad]} for feature ${this.json.featureNames[bad]}`);
    }
    const z = standardise(x, 1, p, this.json.normalisation, new Float64Array(p));
    return explainStandardised(this.json, this.algorithm, z);
  }

  /**
   * Global importance of each feature: the mean |contribution| over the newest IMPORTANCE_ROWS
   * rows of `x` (rows × features, row-major, oldest first), as the training window.
   */
  importances(x: Float64Array, rows: number): Record<string, number> {
    const p = this.scratchRow.length;
    const first = Math.max(0, rows - importanceRows(this.json, IMPORTANCE_ROWS));
    const sums = new Float64Array(p);
    for (let r = first; r < rows; r++) {
      const { contributions } = this.explainRow(x.subarray(r * p, (r + 1) * p));
      for (let f = 0; f < p; f++) sums[f] += Math.abs(contributions[f]);
    }
    const n = Math.max(1, rows - first);
    return Object.fromEntries(this.json.featureNames.map((name, f) => [name, sums[f] / n]));
  }

  toJSON(): ModelJSON {
    return this.json;
  }

  private requireClassifier(): void {
    if (this.json.task !== 'classification') {
      throw new InvalidInputError(`probabilities need a classification model; this one is ${this.json.task}`);
    }
  }

  private raw(x: Float64Array, rows: number): Float64Array {
    return this.rawInto(x, rows, new Float64Array(Math.max(0, rows)));
  }

  private rawInto(x: Float64Array, rows: number, out: Float64Array): Float64Array {
    const p = this.scratchRow.length;
    if (!Number.isInteger(rows) || rows < 0 || x.length !== rows * p) {
      throw new InvalidInputError(
        `input must hold rows × ${p} values (row-major, features ${this.json.featureNames.join(', ')}); got ${x.length} values for ${rows} rows`,
      );
    }
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) {
        throw new InvalidInputError(
          `non-finite value ${x[i]} for feature ${this.json.featureNames[i % p]} in row ${Math.floor(i / p)}`,
        );
      }
    }
    const z = standardise(x, rows, p, this.json.normalisation, new Float64Array(x.length));
    this.algorithm.predict(this.json.parameters, z, rows, p, out);
    for (let r = 0; r < rows; r++) {
      if (!Number.isFinite(out[r])) {
        throw new AutoMLError(`${this.json.algorithm} produced a non-finite prediction for row ${r}`);
      }
    }
    return out;
  }
}

function parameterFallbacks(parameters: ModelParameters): string[] {
  const f = parameters.fallbacks;
  return Array.isArray(f) ? f.filter((s): s is string => typeof s === 'string') : [];
}

/** Checks shapes, finiteness and labels before a fit: learners assume all three. */
export function validateDataset(data: Dataset, task: Task): void {
  const { rows, features } = data;
  if (!Number.isInteger(rows) || !Number.isInteger(features) || rows < 0 || features < 0) {
    throw new InvalidInputError(`rows and features must be non-negative integers, got ${rows} × ${features}`);
  }
  if (data.x.length !== rows * features || data.y.length !== rows) {
    throw new InvalidInputError(
      `dataset shape mismatch: x has ${data.x.length} values and y ${data.y.length} for ${rows} × ${features}`,
    );
  }
  if (data.featureNames.length !== features) {
    throw new InvalidInputError(`${data.featureNames.length} feature names for ${features} features`);
  }
  for (let i = 0; i < data.x.length; i++) {
    if (!Number.isFinite(data.x[i])) {
      throw new InvalidInputError(
        `non-finite value in feature ${data.featureNames[i % features]} at row ${Math.floor(i / features)}; drop such rows first (dropNonFiniteRows)`,
      );
    }
  }
  for (let r = 0; r < rows; r++) {
    const v = data.y[r];
    if (!Number.isFinite(v)) throw new InvalidInputError(`non-finite target ${v} at row ${r}`);
    if (task === 'classification' && v !== 0 && v !== 1) {
      throw new InvalidInputError(`classification targets must be 0 or 1, got ${v} at row ${r}`);
    }
  }
}
