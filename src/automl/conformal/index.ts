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
export {
  calibrate,
  CALIBRATION_FRACTION,
  MAX_CALIBRATION_RESIDUALS,
  type Calibration,
} from './calibration.js';
export { classScores, predictionSet, setAtQuantile } from './sets.js';
