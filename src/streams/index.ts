// The TML core (DESIGN.md §3): every step of the flow over topics, once — windows, joins, aligned
// training sets, train, predict — with domain records, typed errors and the one model registry.
export * from './errors.js';
export * from './values.js';
export * from './window.js';
export * from './stream-address.js';
export * from './json-criteria.js';
export * from './join.js';
export * from './align.js';
export * from './latest-record.js';
export * from './shapers.js';
export * from './steps/index.js';
export * from './registry/index.js';
export * from './position-join.js';
export * from './window-size.js';
export * from './where.js';
export * from './wait.js';
export * from './tmlids.js';
export * from './deadline.js';
export * from './array-rows.js';
