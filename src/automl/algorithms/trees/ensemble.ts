// A fitted tree ensemble as flat parallel arrays: node i of any tree is (feature[i], threshold[i],
// left[i], right[i], value[i]); feature −1 marks a leaf. All trees share the arrays and `roots`
// says where each starts. Thresholds and leaf values are Float32 from the moment they are made, so
// the model predicts from exactly the numbers its JSON carries: a round trip is bit-identical.

import type { ModelParameters } from '../../algorithm.js';
import { decodeFloat32, decodeInt32, encodeArray } from './encoding.js';
import { InvalidInputError } from '../../errors.js';

/** How tree outputs combine: boosting adds them, a forest averages them. */
export type Aggregation = 'sum' | 'mean';
/** identity for regression, logistic to turn a boosted log-odds score into P(class 1). */
export type Link = 'identity' | 'logistic';

export interface TreeEnsemble {
  readonly features: number;
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float32Array;
  readonly baseScore: number;
  readonly aggregation: Aggregation;
  readonly link: Link;
}

/** Tag of the parameters layout, so a future layout can be told apart. */
export const TREE_ENCODING = 'tree-ensemble/1';

/** Appends trees node by node while a learner grows them. */
export class EnsembleBuilder {
  readonly roots: number[] = [];
  readonly feature: number[] = [];
  readonly threshold: number[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly value: number[] = [];

  get nodes(): number {
    return this.feature.length;
  }

  startTree(): void {
    this.roots.push(this.feature.length);
  }

  /** Adds a leaf (split later with `split`); returns its index. The value is rounded to Float32 now. */
  addLeaf(value: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    const rounded = Math.fround(value);
    if (!Number.isFinite(rounded)) {
      throw new InvalidInputError(`a leaf value of ${value} does not fit a Float32; rescale the target`);
    }
    this.value.push(rounded);
    return this.feature.length - 1;
  }

  split(node: number, feature: number, threshold: number, left: number, right: number): void {
    this.feature[node] = feature;
    this.threshold[node] = Math.fround(threshold);
    this.left[node] = left;
    this.right[node] = right;
  }

  /** Drops every tree from `tree` on (early stopping keeps the best round). */
  truncate(tree: number): void {
    if (tree >= this.roots.length) return;
    const end = this.roots[tree];
    for (const list of [this.feature, this.threshold, this.left, this.right, this.value]) list.length = end;
    this.roots.length = tree;
  }

  build(features: number, baseScore: number, aggregation: Aggregation, link: Link): TreeEnsemble {
    return {
      features,
      roots: Int32Array.from(this.roots),
      feature: Int32Array.from(this.feature),
      threshold: Float32Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float32Array.from(this.value),
      baseScore,
      aggregation,
      link,
    };
  }
}

// Node covers a learner already counted while growing (every row of the window in every tree),
// by parameters object: Model.fit takes them instead of routing the window through every tree again.
const grownCovers = new WeakMap<ModelParameters, Float32Array>();

/** The covers recorded with these parameters at fit time, if the learner counted them. */
export function coversFromFit(parameters: ModelParameters): Float32Array | undefined {
  return grownCovers.get(parameters);
}

export function ensembleToParameters(
  ensemble: TreeEnsemble,
  extra: ModelParameters = {},
  covers?: Float32Array,
): ModelParameters {
  const parameters: ModelParameters = {
    encoding: TREE_ENCODING,
    features: ensemble.features,
    trees: ensemble.roots.length,
    nodes: ensemble.feature.length,
    aggregation: ensemble.aggregation,
    link: ensemble.link,
    baseScore: ensemble.baseScore,
    roots: encodeArray(ensemble.roots),
    feature: encodeArray(ensemble.feature),
    threshold: encodeArray(ensemble.threshold),
    left: encodeArray(ensemble.left),
    right: encodeArray(ensemble.right),
    value: encodeArray(ensemble.value),
    ...extra,
  };
  // The parameters object is what `predict` receives, so it can skip decoding the base64 again.
  decoded.set(parameters, ensemble);
  if (covers !== undefined && covers.length === ensemble.feature.length) grownCovers.set(parameters, covers);
  return parameters;
}

// Decoding base64 on every call would make single-row prediction slow; parameters objects are
// immutable model data, so their decoded form is cached by identity.
const decoded = new WeakMap<ModelParameters, TreeEnsemble>();

export function ensembleFromParameters(parameters: ModelParameters): TreeEnsemble {
  const cached = decoded.get(parameters);
  if (cached) return cached;
  const ensemble = decodeEnsemble(parameters);
  decoded.set(parameters, ensemble);
  return ensemble;
}

function decodeEnsemble(p: ModelParameters): TreeEnsemble {
  if (p.encoding !== TREE_ENCODING) {
    throw new InvalidInputError(
      `tree model parameters: encoding is ${String(p.encoding)}, expected ${TREE_ENCODING}`,
    );
  }
  const features = p.features;
  if (typeof features !== 'number' || !Number.isInteger(features) || features < 0) {
    throw new InvalidInputError(`tree model parameters: 'features' must be a non-negative integer`);
  }
  const baseScore = p.baseScore;
  if (typeof baseScore !== 'number' || !Number.isFinite(baseScore)) {
    throw new InvalidInputError(`tree model parameters: 'baseScore' must be a finite number`);
  }
  if (p.aggregation !== 'sum' && p.aggregation !== 'mean') {
    throw new InvalidInputError(`tree model parameters: 'aggregation' must be 'sum' or 'mean'`);
  }
  if (p.link !== 'identity' && p.link !== 'logistic') {
    throw new InvalidInputError(`tree model parameters: 'link' must be 'identity' or 'logistic'`);
  }
  const ensemble: TreeEnsemble = {
    features,
    roots: decodeInt32(p.roots, 'roots'),
    feature: decodeInt32(p.feature, 'feature'),
    threshold: decodeFloat32(p.threshold, 'threshold'),
    left: decodeInt32(p.left, 'left'),
    right: decodeInt32(p.right, 'right'),
    value: decodeFloat32(p.value, 'value'),
    baseScore,
    aggregation: p.aggregation,
    link: p.link,
  };
  validate(ensemble);
  return ensemble;
}

/**
 * Foreign or corrupted JSON must not make prediction loop forever or read out of bounds: every
 * child must come after its parent (trees are stored parent first) and stay inside the arrays.
 */
function validate(e: TreeEnsemble): void {
  const nodes = e.feature.length;
  for (const [name, list] of [
    ['threshold', e.threshold],
    ['left', e.left],
    ['right', e.right],
    ['value', e.value],
  ] as const) {
    if (list.length !== nodes)
      throw new InvalidInputError(
        `tree model parameters: '${name}' has ${list.length} nodes, 'feature' ${nodes}`,
      );
  }
  if (e.roots.length === 0) throw new InvalidInputError('tree model parameters: the ensemble has no trees');
  for (let t = 0; t < e.roots.length; t++) {
    const root = e.roots[t];
    if (root < 0 || root >= nodes || (t > 0 && root <= e.roots[t - 1])) {
      throw new InvalidInputError(`tree model parameters: root of tree ${t} is out of order or out of range`);
    }
  }
  for (let i = 0; i < nodes; i++) {
    const f = e.feature[i];
    if (f === -1) {
      if (!Number.isFinite(e.value[i]))
        throw new InvalidInputError(`tree model parameters: leaf ${i} has a non-finite value`);
      continue;
    }
    if (f < 0 || f >= e.features)
      throw new InvalidInputError(`tree model parameters: node ${i} splits on feature ${f}`);
    if (e.left[i] <= i || e.right[i] <= i || e.left[i] >= nodes || e.right[i] >= nodes) {
      throw new InvalidInputError(
        `tree model parameters: node ${i} has children out of order or out of range`,
      );
    }
  }
}
