// What the server registers. Field names follow VIPER's metadata (companyname, contactname, ...),
// which users give when they create topics and subscribe (viper-protocol.md §3.1).
import type { Role } from '../auth/roles.js';
import type { Collection } from './collection.js';

export interface ContactDetails {
  companyname: string;
  contactname: string;
  contactemail: string;
  location: string;
  description: string;
}

export interface TopicRegistration extends ContactDetails {
  topic: string;
  /** The producer id that may produce to this topic (createtopics hands it out). */
  producerId: string;
  /** A deactivated topic refuses produce and consume calls until it is activated again. */
  active: boolean;
  createdAt: string;
}

export interface ConsumerRegistration extends ContactDetails {
  consumerId: string;
  /** The only topic this consumer id may read. */
  topic: string;
  /** VIPER's optional `groupid` at subscription. */
  groupId: string;
  createdAt: string;
}

export interface GroupRegistration extends ContactDetails {
  groupId: string;
  groupName: string;
  topics: string[];
  active: boolean;
  createdAt: string;
}

export interface TokenRecord {
  /** Public id, part of the token itself; used to find the record and to revoke it. */
  id: string;
  role: Role;
  /** SHA-256 of the whole token, hex. */
  hash: string;
  label: string;
  createdAt: string;
  /** After this instant the token is refused; absent: it does not expire. */
  expiresAt?: string;
}

/** When a token was last accepted (kept apart from the token, so that a use never rewrites it). */
export interface TokenUsage {
  id: string;
  lastUsedAt: string;
}

/** A joined topic (createjointopicstreams): the streams producetotopicstream joins into it. */
export interface JoinRegistration {
  topic: string;
  streams: string[];
  createdAt: string;
}

/**
 * A trained model (viperhpdetraining), under its algokey (`<consumerid>_json`, as VIPER named it):
 * the latest model trained by a consumer id replaces the previous one.
 */
export interface ModelRegistration {
  algokey: string;
  algo: string;
  consumerId: string;
  /** Where the model record was written. */
  topic: string;
  partition: number;
  offset: number;
  createdAt: string;
  /** The model JSON (src/automl Model.toJSON), with its lineage. */
  model: unknown;
  /** DescriptiveStats of the training window, for viperhpdeoptimize. */
  stats: Array<{ variable: string; min: number; max: number; mean: number; std: number }>;
}

/** Every registration the server keeps, each kind in its own collection. */
export interface ServerStore {
  tokens: Collection<TokenRecord>;
  /** Each token's last use; absent in stores that keep none. */
  tokenUsage?: Collection<TokenUsage>;
  topics: Collection<TopicRegistration>;
  consumers: Collection<ConsumerRegistration>;
  groups: Collection<GroupRegistration>;
  joins: Collection<JoinRegistration>;
  models: Collection<ModelRegistration>;
  close(): Promise<void>;
}
