export {
  AdaptiveConformal,
  checkCoverage,
  conformalQuantile,
  DEFAULT_CONFORMAL_WINDOW,
  DEFAULT_COVERAGE,
  DEFAULT_LEARNING_RATE,
  splitConformalWidth,
  type AdaptiveConformalOptions,
  type PredictionInterval,
} from './conformal.js';
