export * from './model-record.js';
export * from './training-set.js';
export * from './train.js';
export * from './model-source.js';
export * from './predict.js';
export * from './optimize.js';
export * from './anomaly.js';
export * from './preprocess.js';
