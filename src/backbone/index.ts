// The backbone layer's public API.
export type * from './types.js';
export * from './errors.js';
export { openBackbone, type BackboneOptions } from './open.js';
export {
  EmbeddedBackbone,
  type EmbeddedOptions,
  type MaintenanceReport,
} from './embedded/embedded-backbone.js';
export {
  MetadataStore,
  type MetadataEntry,
  type MetadataListener,
  type MetadataStoreOptions,
} from './metadata-store.js';
export { murmur2, partitionForKey } from './partitioner.js';
export { validateTopicName, validatePartitionCount, MAX_TOPIC_NAME_LENGTH } from './topic-name.js';
export { toBuffer, recordSize } from './records.js';
export { LruCache } from './lru.js';
