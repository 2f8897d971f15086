export { boxBounds, checkBounds, clip, type Bounds } from './bounds.js';
export { describeColumns, type ColumnStats } from './column-stats.js';
export {
  CONSTRAINT_TYPE_LABELS,
  parseConstraints,
  resolveBounds,
  STD_MULTIPLIER,
  type BoundsRequest,
  type ConstraintType,
  type ResolvedBounds,
} from './constraints.js';
export {
  differentialEvolution,
  type DifferentialEvolutionOptions,
  type Objective,
  type SearchResult,
} from './differential-evolution.js';
export {
  InvalidBoundsError,
  InvalidConstraintsError,
  NonFiniteObjectiveError,
  UnknownVariableError,
} from './errors.js';
export { modelObjective, type RowModel } from './model-objective.js';
export { compassSearch, type CompassSearchOptions } from './compass-search.js';
export { nelderMead, type NelderMeadOptions } from './nelder-mead.js';
export { optimize, type Direction, type OptimizeOptions, type OptimizeResult } from './optimize.js';
export { optimizeModel, type ModelOptimization, type OptimizeModelRequest } from './optimize-model.js';
