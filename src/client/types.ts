// The shapes of the /v1 API as the SDK sees them. They mirror src/server/v1/schemas.ts (the client
// layer may not import the server); test/server/client.test.ts checks the two against each other
// through the OpenAPI document.

export type Role = 'admin' | 'user';

export interface ContactDetails {
  companyname?: string;
  contactname?: string;
  contactemail?: string;
  location?: string;
  description?: string;
}

export interface CreateTopicRequest extends ContactDetails {
  topic: string;
  partitions?: number;
  replicationFactor?: number;
}

export interface CreateTopicResponse {
  topic: string;
  producerId: string;
  /** True when the topic was there before (the same producer id is returned). */
  existed: boolean;
}

export interface TopicSummary {
  topic: string;
  partitions: number;
  records: number;
  active: boolean;
  registered: boolean;
  /** Admin tokens only. */
  producerId?: string;
  companyname: string;
  description: string;
  createdAt?: string;
}

/** POST /v1/topics/{topic}/partitions. */
export interface AddPartitionsResponse {
  topic: string;
  partitions: number;
  /** Partitions this call added (0 when the topic had the count already). */
  added: number;
}

export interface TopicDetails extends Required<ContactDetails> {
  topic: string;
  active: boolean;
}

export interface ProduceResponse {
  topic: string;
  partition: number;
  offset: number;
  bytesWritten: number;
}

export interface ProduceBulkResponse {
  topic: string;
  records: number;
  bytesWritten: number;
  partitions: { partition: number; firstOffset: number; lastOffset: number }[];
}

export interface ConsumerResponse {
  consumerId: string;
  topic: string;
}

export interface ConsumerDetails extends Required<ContactDetails> {
  consumerId: string;
  topic: string;
}

export interface ApiRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
}

export interface PollRequest {
  /** -1 (default): continue from the last read; >= 0: start there. */
  offset?: number;
  /** -1 (default): every partition. */
  partition?: number;
  rollbackPercent?: number;
  maxRecords?: number;
}

export interface PollResponse {
  topic: string;
  records: ApiRecord[];
  bytesRead: number;
  /** Offset of the last record returned; -1 when none. */
  lastOffset: number;
}

export interface CreateGroupRequest extends ContactDetails {
  groupName: string;
  topics: string[];
}

export interface GroupResponse {
  groupId: string;
  groupName: string;
  topics: string[];
  existed: boolean;
}

export interface GroupPollRequest {
  topic: string;
  consumerId: string;
  offset?: number;
  partition?: number;
  rollbackOffset?: number;
  maxRecords?: number;
}

export interface GroupPollResponse extends PollResponse {
  groupId: string;
}

export interface GroupActiveResponse {
  groupId: string;
  groupName: string;
  active: boolean;
}

export interface ServerStatus {
  host: string;
  port: number;
  inFlight: number;
  busy: boolean;
  backbone: string;
  /** Trainings running now, all tokens together. */
  trainings: number;
  /** Trainings one token may run at once; a further one is refused with 429 BUSY. */
  maxTrainingsPerToken: number;
  /** As many trainings run as one token may run (VIPER's HPDE entry of areyoubusy). */
  trainingBusy: boolean;
}

export interface TokenInfo {
  id: string;
  role: Role;
  label: string;
  createdAt: string;
  /** After this instant the token is refused. */
  expiresAt?: string;
  /** Its last accepted use, to the minute. */
  lastUsedAt?: string;
}

export interface RotateTokenResponse extends CreateTokenResponse {
  /** The old token, with the instant it stops working. */
  retired: TokenInfo;
}

export interface CreateTokenResponse {
  /** Shown once: only its hash is stored. */
  token: string;
  info: TokenInfo;
}

/** RFC 9457 problem details, as the server sends them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  parameter?: string;
}

// The TML flow and the stream analytics, in files of their own.
export type * from './flow-types.js';
export type * from './analytics-types.js';
