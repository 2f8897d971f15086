// What the server registers. Field names follow VIPER's metadata (companyname, contactname, ...),
// which users give when they create topics and subscribe (viper-protocol.md §3.1).
import type { Role } from '../auth/roles.js';
import type { ModelRegistry } from '../../streams/registry/index.js';
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
  /** The id of the token that subscribed (absent on registrations older than the limit). */
  tokenId?: string;
  /** A deactivated consumer id is refused reads until it is activated again (absent: active). */
  active?: boolean;
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
  /** The device (VIPER's `topicid`) whose records the joined topic joins, when one was given. */
  device?: string;
  createdAt: string;
}

/** What one consumer id read, or the producers of one topic wrote, through the APIs (for AiMS). */
export interface UsageRecord {
  bytes: number;
  records: number;
  /** The latest read or write (ms since the epoch). */
  lastAt: number;
  /** The distinct UTC days (YYYY-MM-DD) with a read or write, oldest first, the latest 366. */
  days: string[];
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
  /** Reads per consumer id (`consumer:<id>`) and writes per topic (`producer:<topic>`); absent: none kept. */
  usage?: Collection<UsageRecord>;
  /** AiMS's rules and what they did (`rules`, `state`); absent: AiMS rules are unavailable. */
  aims?: Collection<unknown>;
  /** The model registry (src/streams/registry), in the same metadata topic. */
  models: ModelRegistry;
  close(): Promise<void>;
}
