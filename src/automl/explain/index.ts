export {
  explainStandardised,
  importanceRows,
  type Explanation,
  type ExplanationData,
  type ExplanationMethod,
  type ExplanationOutput,
} from './explain.js';
export { treeCovers } from './tree-shap.js';
export { EXACT_FEATURES, SAMPLED_PERMUTATIONS } from './baseline-shapley.js';
