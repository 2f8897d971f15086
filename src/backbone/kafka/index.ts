export { KafkaBackbone } from './kafka-backbone.js';
export type { KafkaBackboneOptions, KafkaCompression } from './options.js';
export { kafkaCompression } from './options.js';
