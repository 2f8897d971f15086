// Gradient-boosted trees on histograms (LightGBM/XGBoost style) for squared error and log-loss.
// Written here rather than taken from npm: ml-stack.md measured mljs's trees as quadratic in the
// rows (56 s for one depth-10 tree at 16k rows) and ml-xgboost (a 2018 WASM build) as crashing
// with "memory access out of bounds" at 80k×50.

import type {
  Algorithm,
  FitControls,
  Hyperparameters,
  ModelParameters,
  SearchSpace,
} from '../../algorithm.js';
import type { Dataset, Task } from '../../dataset.js';
import { binWindow, MAX_BINS } from './binning.js';
import { EnsembleBuilder, ensembleFromParameters, ensembleToParameters } from './ensemble.js';
import { predictEnsemble } from './predict.js';
import { releaseLargeArena } from '../../simd/histogram-kernels.js';
import { TreeGrower } from './grow.js';
import { HyperparameterReader } from './hyperparameters.js';
import { leafCap, leafCapFallback, MAX_TREES } from './limits.js';
import { throwIfCancelled } from '../../cancellation.js';
import { InvalidInputError } from '../../errors.js';
import { mulberry32 } from '../../random.js';
import { allRows, checkWindow, importanceShares, leafSizeFor, mean, subsample } from './window.js';

/** P(class 1) is clipped here for the starting log-odds so a one-class window keeps a finite score. */
const PROBABILITY_FLOOR = 1e-6;

interface GbdtSettings {
  rounds: number;
  learningRate: number;
  maxDepth: number;
  maxLeaves: number;
  minSamplesLeaf: number;
  minChildWeight: number;
  l2: number;
  minSplitGain: number;
  subsample: number;
  featureFraction: number;
  maxBins: number;
  validationFraction: number;
  earlyStoppingRounds: number;
  seed: number;
}

export function readGbdtHyperparameters(h: Hyperparameters): GbdtSettings {
  const read = new HyperparameterReader('gbdt', h);
  const maxDepth = read.integer('maxDepth', 5, 1, 32);
  const settings: GbdtSettings = {
    rounds: read.integer('rounds', 100, 1, MAX_TREES),
    learningRate: read.number('learningRate', 0.1, 0, 1, true),
    maxDepth,
    maxLeaves: read.integer('maxLeaves', 2 ** Math.min(maxDepth, 16), 2, 2 ** 16),
    minSamplesLeaf: read.integer('minSamplesLeaf', 5, 1, 1e9),
    minChildWeight: read.number('minChildWeight', 1e-3, 0, 1e9),
    l2: read.number('l2', 1, 0, 1e9),
    minSplitGain: read.number('minSplitGain', 0, 0, 1e18),
    subsample: read.number('subsample', 1, 0, 1, true),
    featureFraction: read.number('featureFraction', 1, 0, 1, true),
    maxBins: read.integer('maxBins', MAX_BINS, 2, MAX_BINS),
    validationFraction: read.number('validationFraction', 0, 0, 0.5),
    earlyStoppingRounds: read.integer('earlyStoppingRounds', 10, 1, MAX_TREES),
    seed: read.integer('seed', 0, 0, 2 ** 32 - 1),
  };
  read.rejectUnknown();
  return settings;
}

function fitGbdt(
  window: Dataset,
  hyperparameters: Hyperparameters,
  task: Task,
  controls: FitControls = {},
): ModelParameters {
  const s = readGbdtHyperparameters(hyperparameters);
  checkWindow(window, task);
  // The selection's holdout, when given and the configuration holds out no rows of its own, is the
  // validation slice: appended after the training rows, it is binned on their cuts and never
  // learnt from, exactly as a slice of the window's own newest rows would be.
  const external = s.validationFraction === 0 ? controls.validation : undefined;
  const data =
    external !== undefined && external.rows > 0 && window.rows >= 2 ? appendRows(window, external) : window;
  const { rows, features, y } = data;
  const random = mulberry32(s.seed);
  const classification = task === 'classification';

  // Early stopping watches the newest rows of the window, as the selection's holdout does; with
  // too few rows for both sides it is switched off (reported as validationRows: 0).
  const held = data === window ? Math.floor(rows * s.validationFraction) : rows - window.rows;
  const validationRows = held >= 1 && rows - held >= 2 ? held : 0;
  const trainRows = rows - validationRows;
  const binned = binWindow(data, s.maxBins, trainRows);

  const start = mean(y, trainRows);
  const p0 = Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, start));
  const baseScore = classification ? Math.log(p0 / (1 - p0)) : start;

  const cap = leafCap(s.rounds);
  const grower = new TreeGrower(binned, {
    maxDepth: s.maxDepth,
    maxLeaves: Math.min(s.maxLeaves, cap),
    minSamplesLeaf: s.minSamplesLeaf,
    minChildWeight: classification ? s.minChildWeight : 0,
    l2: s.l2,
    minSplitGain: s.minSplitGain,
    shrinkage: s.learningRate,
    featuresPerSplit: Math.max(1, Math.round(s.featureFraction * features)),
    random,
  });
  const builder = new EnsembleBuilder();
  const importance = new Float64Array(features);
  const scores = new Float64Array(rows).fill(baseScore);
  const gradient = new Float64Array(rows);
  const hessian = classification ? new Float64Array(rows) : null;
  const sampleSize = Math.max(1, Math.round(s.subsample * trainRows));
  const fullSample = sampleSize >= trainRows ? allRows(trainRows) : null;
  const scratch = fullSample ? null : allRows(trainRows);
  const unsampled = new Uint32Array(fullSample ? 0 : trainRows);
  const validationSlice = allRows(rows).subarray(trainRows);
  // Every row in every tree: each node's rows are its TreeSHAP cover, counted while growing.
  const covers: number[] | null = fullSample !== null && validationRows === 0 ? [] : null;

  let mostLeaves = 0;
  let bestLoss = Infinity;
  let bestRounds = 0;
  let rounds = 0;
  const losses: number[] = [];
  for (let round = 0; round < s.rounds; round++) {
    throwIfCancelled();
    if (classification) {
      for (let r = 0; r < trainRows; r++) {
        const p = 1 / (1 + Math.exp(-scores[r]));
        gradient[r] = p - y[r];
        (hessian as Float64Array)[r] = p * (1 - p);
      }
    } else {
      for (let r = 0; r < trainRows; r++) gradient[r] = scores[r] - y[r];
    }
    const sample = fullSample ?? subsample(sampleSize, scratch as Uint32Array, random);
    mostLeaves = Math.max(mostLeaves, grower.grow(builder, gradient, hessian, sample, importance));
    // Sampled rows take their leaf's value directly; the others (left out by row subsampling, or
    // the validation slice) walk the new tree on their bin codes.
    grower.addSampleOutput(scores);
    if (covers !== null) grower.appendCovers(covers);
    if (fullSample === null) grower.addTreeOutput(scores, complement(sample, trainRows, unsampled));
    if (validationRows > 0) grower.addTreeOutput(scores, validationSlice);
    rounds = round + 1;
    if (validationRows > 0) {
      const loss = validationLoss(scores, y, trainRows, rows, classification);
      losses.push(loss);
      if (loss < bestLoss) {
        bestLoss = loss;
        bestRounds = rounds;
      }
      if (noRecentImprovement(losses, s.earlyStoppingRounds)) break;
    }
  }
  releaseLargeArena();
  if (validationRows > 0 && bestRounds < rounds) builder.truncate(bestRounds);
  const ensemble = builder.build(features, baseScore, 'sum', classification ? 'logistic' : 'identity');
  // Documented fallbacks, which the model wrapper reports with the model.
  const fallbacks: string[] = [];
  if (cap < s.maxLeaves && mostLeaves >= cap) fallbacks.push(leafCapFallback('gbdt', s.rounds));
  if (s.validationFraction > 0 && validationRows === 0) {
    fallbacks.push(`gbdt: early stopping off, ${rows} rows are too few to hold out a validation slice`);
  }
  return ensembleToParameters(
    ensemble,
    {
      rounds: ensemble.roots.length,
      leafCap: cap,
      validationRows,
      importance: importanceShares(importance),
      ...(fallbacks.length > 0 ? { fallbacks } : {}),
    },
    covers === null ? undefined : Float32Array.from(covers),
  );
}

/** `a`'s rows followed by `b`'s (same features). */
function appendRows(a: Dataset, b: Dataset): Dataset {
  if (b.features !== a.features) {
    throw new InvalidInputError(`validation rows have ${b.features} features, the window ${a.features}`);
  }
  const x = new Float64Array((a.rows + b.rows) * a.features);
  x.set(a.x.subarray(0, a.rows * a.features));
  x.set(b.x.subarray(0, b.rows * b.features), a.rows * a.features);
  const y = new Float64Array(a.rows + b.rows);
  y.set(a.y.subarray(0, a.rows));
  y.set(b.y.subarray(0, b.rows), a.rows);
  return { ...a, rows: a.rows + b.rows, x, y };
}

/**
 * A fit that stopped early on the selection's holdout is refitted with the rounds it kept and no
 * validation: the whole window trains, as long as the holdout found useful. The leaf cap of the
 * requested rounds is kept too, so the refit grows the trees the holdout fit grew.
 */
function gbdtRefitHyperparameters(h: Hyperparameters, parameters: ModelParameters): Hyperparameters {
  const s = readGbdtHyperparameters(h);
  const kept = parameters.rounds;
  if (s.validationFraction > 0 || !(Number(parameters.validationRows) > 0) || typeof kept !== 'number') {
    return h;
  }
  const cap = leafCap(s.rounds);
  return { ...h, rounds: Math.max(1, kept), ...(cap < s.maxLeaves ? { maxLeaves: cap } : {}) };
}

/**
 * scikit-learn's early-stopping rule: stop when none of the last `patience` validation losses
 * improves on the loss `patience + 1` rounds back. Unlike "no new best for `patience` rounds", a
 * short bump on a loss that is still falling overall does not stop the boosting; the model is
 * still cut back to its best round.
 */
function noRecentImprovement(losses: number[], patience: number): boolean {
  if (losses.length <= patience) return false;
  const reference = losses[losses.length - patience - 1];
  for (let i = losses.length - patience; i < losses.length; i++) {
    if (losses[i] < reference - 1e-7 * Math.abs(reference)) return false;
  }
  return true;
}

/** The rows of 0 … n−1 missing from the sorted `sample`, written into `out`; returns that slice. */
function complement(sample: Uint32Array, n: number, out: Uint32Array): Uint32Array {
  let k = 0;
  let j = 0;
  for (let r = 0; r < n; r++) {
    if (j < sample.length && sample[j] === r) j++;
    else out[k++] = r;
  }
  return out.subarray(0, k);
}

function validationLoss(
  scores: Float64Array,
  y: Float64Array,
  from: number,
  to: number,
  classification: boolean,
) {
  let loss = 0;
  for (let r = from; r < to; r++) {
    if (classification) {
      // log(1 + e^−z) for y = 1 and log(1 + e^z) for y = 0, written to stay finite for any z.
      const z = y[r] === 1 ? -scores[r] : scores[r];
      loss += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    } else {
      const e = scores[r] - y[r];
      loss += e * e;
    }
  }
  return loss;
}

function gbdtDefaults(space: SearchSpace): Hyperparameters {
  return {
    rounds: 100,
    learningRate: 0.1,
    maxDepth: space.rows < 200 ? 3 : 5,
    minSamplesLeaf: leafSizeFor(space.rows, 1 / 100),
    l2: 1,
  };
}

function gbdtCandidates(space: SearchSpace, count: number, random: () => number): Hyperparameters[] {
  const base = gbdtDefaults(space);
  const fixed: Hyperparameters[] = [
    base,
    { ...base, learningRate: 0.05, rounds: 200, maxDepth: 4 },
    { ...base, maxDepth: 3, rounds: 150 },
    { ...base, maxDepth: 6, subsample: 0.8, featureFraction: 0.8 },
  ];
  const out = fixed.slice(0, count);
  const leafSizes = [1, 2, 5, 10, 20, 50].filter((k) => k <= Math.max(1, Math.floor(space.rows / 4)));
  while (out.length < count) {
    const learningRate = round3(Math.exp(Math.log(0.02) + random() * Math.log(0.3 / 0.02)));
    out.push({
      learningRate,
      // Fewer, larger steps or more, smaller ones: about the same total shrinkage per candidate.
      rounds: Math.max(30, Math.min(500, Math.round(10 / learningRate))),
      maxDepth: 2 + Math.floor(random() * 7),
      minSamplesLeaf: leafSizes[Math.floor(random() * leafSizes.length)],
      l2: round3(Math.exp(Math.log(0.01) + random() * Math.log(1000))),
      subsample: round3(0.5 + 0.5 * random()),
      featureFraction: round3(0.5 + 0.5 * random()),
      seed: Math.floor(random() * 1e9),
    });
  }
  return out;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export const gbdt: Algorithm = {
  name: 'gbdt',
  tasks: ['regression', 'classification'],
  defaults: gbdtDefaults,
  candidates: gbdtCandidates,
  fit: fitGbdt,
  refitHyperparameters: gbdtRefitHyperparameters,
  predict(parameters, x, rows, features, out) {
    predictEnsemble(ensembleFromParameters(parameters), x, rows, features, out);
  },
};
