export { computeStatistics, knownStatistics, statisticCatalogue } from './compute.js';
export type { StatisticsOptions, StatisticsResult } from './compute.js';
export { computeSampleStatistics } from './sample.js';
export type { SampleStatisticsOptions } from './sample.js';
export type { StatisticValue } from './definitions.js';
export { EARTH_RADIUS_KM, haversineKm, parseTime, SAMPLE_STATISTICS, UnparsableValueError } from './text.js';
export type { Sample, SampleValue } from './text.js';
export {
  EmptyWindowError,
  NonFiniteValueError,
  NonNumericStatisticError,
  UnknownStatisticError,
} from './errors.js';
export {
  averageRanks,
  correlate,
  CORRELATION_METHODS,
  crossCorrelation,
  kendall,
  pearson,
  spearman,
} from './correlation.js';
export type { Correlation, CorrelationMethod, LaggedCorrelation } from './correlation.js';
