export * from './classification-rule.js';
export * from './transform.js';
export * from './parameter-estimates.js';
export * from './model-controls.js';
export * from './coefficients.js';
export * from './predict-controls.js';
export * from './training-columns.js';
export * from './search-tuner.js';
