// The tree learners: CART, random forest and gradient-boosted trees, all on histogram bins.
export { cart } from './cart.js';
export { randomForest } from './random-forest.js';
export { gbdt } from './gbdt.js';
export { MAX_TREE_NODES, MAX_TREES, leafCap } from './limits.js';
