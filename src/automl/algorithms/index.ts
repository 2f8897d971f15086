// The registry of learning algorithms: model JSON names its algorithm by these keys. The order in
// which the selection tries them is ALGORITHM_PRIORITY in selection/candidates.ts.

import type { Algorithm } from '../algorithm.js';
import type { Task } from '../dataset.js';
import { UnknownAlgorithmError } from '../errors.js';
import { ensembleAlgorithm } from './ensemble.js';
import { gaussianProcess } from './gaussian-process.js';
import { knn } from './knn.js';
import { elasticNetAlgorithm, lasso } from './linear/elastic-net.js';
import { ols } from './linear/ols.js';
import { poly2Ridge } from './linear/polynomial.js';
import { ridge } from './linear/ridge.js';
import { logistic } from './logistic.js';
import { svm } from './svm.js';
import { cart, extraTrees, gbdt, randomForest } from './trees/index.js';

export const algorithms: Record<string, Algorithm> = {
  ols,
  ridge,
  lasso,
  elastic_net: elasticNetAlgorithm,
  poly2_ridge: poly2Ridge,
  knn,
  gp: gaussianProcess,
  logistic,
  cart,
  random_forest: randomForest,
  extra_trees: extraTrees,
  gbdt,
  svm,
};
algorithms.ensemble = ensembleAlgorithm(getAlgorithm);

export function algorithmsFor(task: Task): Algorithm[] {
  return Object.values(algorithms).filter((a) => a.tasks.includes(task) && a.composite !== true);
}

export function getAlgorithm(name: string, task?: Task): Algorithm {
  const algorithm = Object.hasOwn(algorithms, name) ? algorithms[name] : undefined;
  if (algorithm === undefined) {
    throw new UnknownAlgorithmError(
      `unknown algorithm ${JSON.stringify(name)}; known: ${Object.keys(algorithms).join(', ')}`,
    );
  }
  if (task !== undefined && !algorithm.tasks.includes(task)) {
    throw new UnknownAlgorithmError(`algorithm ${name} does not handle ${task}`);
  }
  return algorithm;
}
