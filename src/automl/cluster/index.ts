export { kMeans, kMeansIterations, kMeansPlusPlus } from './kmeans.js';
export type { ClusterDistance, KMeansOptions, KMeansResult } from './kmeans.js';
