// The tree learners: CART, random forest, extremely randomized trees and gradient-boosted trees, all on histogram bins.
export { cart } from './cart.js';
export { randomForest } from './random-forest.js';
export { extraTrees } from './extra-trees.js';
export { gbdt } from './gbdt.js';
export { MAX_TREE_NODES, MAX_TREES, leafCap } from './limits.js';
