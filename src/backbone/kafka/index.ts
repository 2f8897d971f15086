export { KafkaBackbone } from './kafka-backbone.js';
export type { KafkaBackboneOptions } from './options.js';
