// The streams layer: windows, joins and alignment over topics (DESIGN.md §3).
export * from './errors.js';
export * from './values.js';
export * from './window.js';
export * from './join.js';
export * from './align.js';
export * from './position-join.js';
export * from './window-size.js';
