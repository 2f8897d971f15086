// The automl layer's public surface: pure computation, no I/O (DESIGN.md §3).
export type { Algorithm, Hyperparameters, ModelParameters, SearchSpace } from './algorithm.js';
export type { Dataset, Task } from './dataset.js';
export { algorithms, algorithmsFor, getAlgorithm } from './algorithms/index.js';
export { datasetFromColumns, datasetFromRows, type BuiltDataset, type RawValue } from './data/build.js';
export { fitNormalisation, standardise, type Normalisation } from './data/normalisation.js';
export { dropNonFiniteRows, sliceRows } from './data/rows.js';
export { holdoutSplit, rollingOriginSplits, type Split } from './data/splits.js';
export {
  AutoMLError,
  ExplanationUnavailableError,
  InsufficientDataError,
  InvalidHyperparameterError,
  InvalidInputError,
  UnknownAlgorithmError,
} from './errors.js';
export * from './metrics.js';
export {
  CLASSIFICATION_THRESHOLD,
  IMPORTANCE_ROWS,
  MODEL_SCHEMA_VERSION,
  Model,
  type FitOptions,
  type ModelJSON,
} from './model.js';
export { TrainingPool, type TrainingPoolOptions } from './pool/training-pool.js';
export { forecastAccuracy } from './selection/champion.js';
export { refitModel, type RefitOptions } from './selection/refit.js';
export { oneStepPredictions, oneStepPredictionsOn } from './selection/one-step.js';
export { byPriority, estimatedCostNs } from './selection/candidates.js';
export { INLINE_CANDIDATE_NS } from './selection/run-candidates.js';
export {
  INLINE_MAX_CANDIDATE_MS,
  INLINE_MAX_CELLS,
  WHOLE_ON_POOL_MAX_PLAN_MS,
  selectModel,
  type LeaderboardEntry,
  type SelectOptions,
  type SelectionResult,
} from './selection/select.js';
export * from './optimize/index.js';
export * from './anomaly/index.js';
export * from './statistics/index.js';
export * from './explain/index.js';
export * from './conformal/index.js';
export * from './cluster/index.js';
