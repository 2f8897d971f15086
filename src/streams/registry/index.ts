// The one model registry (DESIGN.md §3): model versions with lineage and metrics, per solution and
// entity or per one-shot alias, in a compacted topic.
export * from './types.js';
export * from './keys.js';
export * from './read.js';
export * from './model-registry.js';
