export { computeStatistics, statisticCatalogue } from './compute.js';
export type { StatisticsOptions, StatisticsResult } from './compute.js';
export type { StatisticValue } from './definitions.js';
export {
  EmptyWindowError,
  NonFiniteValueError,
  NonNumericStatisticError,
  UnknownStatisticError,
} from './errors.js';
