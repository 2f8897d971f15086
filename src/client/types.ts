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

// The TML flow (joins, training sets, models, predictions, optimisation, anomalies, preprocessing)

export interface CreateJoinRequest extends ContactDetails {
  topic: string;
  streams: string[];
  partitions?: number;
  replicationFactor?: number;
}
export interface CreateJoinResponse extends CreateTopicResponse {
  streams: string[];
}

export interface ProduceJoinedRequest {
  producerId: string;
  /** Roll each stream back this many records (VIPER `maxrows`). */
  maxRows?: number;
  /** -1 (default): the newest maxRows records; >= 0: from this offset on. */
  offset?: number;
  /** Overrides the joined topic's registered streams. */
  streams?: string[];
}
export interface ProduceJoinedResponse {
  topic: string;
  partition: number;
  offset: number;
  bytesWritten: number;
  rows: number;
  streams: Array<{ topic: string; rows: number; skipped: number }>;
}

export interface PreprocessRequest {
  producerId: string;
  maxRows: number;
  /** One statistic for every stream, or one per stream in order (VIPER `preprocesslogic`). */
  logic: string[];
  streams?: string[];
  identifier?: string;
}
export interface PreprocessResponse {
  items: Array<{
    topic: string;
    stream: string;
    type: string;
    value: number | null;
    messages: number;
    partition: number;
    offset: number;
  }>;
}

export interface TrainingSetRequest {
  consumeFrom: string;
  produceTo: string;
  dependentVariable: string;
  independentVariables: string[];
  consumerId: string;
  producerId: string;
  partition?: number;
}
export interface TrainingSetResponse {
  topic: string;
  partition: number;
  offset: number;
  rows: number;
  droppedRows: number;
  bytesWritten: number;
}

export interface TrainRequest {
  consumeFrom: string;
  produceTo: string;
  consumerId: string;
  producerId: string;
  modelruns?: number;
  islogistic?: boolean;
  timeoutSeconds?: number;
  partition?: number;
}
export interface TrainResponse {
  algokey: string;
  algo: string;
  algorithm: string;
  dependentVariable: string;
  independentVariables: string[];
  forecastAccuracy: number;
  metrics: Record<string, number>;
  leaderboard: Array<Record<string, unknown>>;
  rows: number;
  topic: string;
  partition: number;
  offset: number;
  createdAt: string;
}

/** The model: by `algokey`, or the latest of `consumeFrom` read with `consumerId`. */
export interface ModelSource {
  algokey?: string;
  consumeFrom?: string;
  consumerId?: string;
  partition?: number;
}

export interface PredictRequest extends ModelSource {
  produceTo: string;
  producerId: string;
  /** One row in the model's input order; or give `stream`. */
  inputs?: number[];
  /** A joined topic: one prediction per row of its latest joined record. */
  stream?: string;
  maxRows?: number;
}
export interface PredictResponse {
  predictions: Array<{
    prediction: number;
    probability1?: number;
    inputs: number[];
    algokey: string;
    partition: number;
    offset: number;
  }>;
}

export interface OptimizeRequest extends ModelSource {
  produceTo: string;
  producerId: string;
  minimize?: boolean;
  constraints?: string;
  constraintType?: 1 | 2 | 3;
  stretchBounds?: number;
  epsilon?: number;
}
export interface OptimizeResponse {
  objective: string;
  value: number;
  optimalValues: Record<string, number>;
  bounds: Array<{ variable: string; min: number; max: number }>;
  partition: number;
  offset: number;
}

export interface PeerGroupsRequest {
  consumeFrom: string;
  consumerId: string;
  produceTo: string;
  producerId: string;
  streams: string[];
  flags: string;
  partition?: number;
}
export interface PeerGroupsResponse {
  topic: string;
  partition: number;
  offset: number;
  peerGroups: Array<Record<string, unknown>>;
}

export interface AnomaliesRequest {
  consumeFrom: string;
  consumerId: string;
  inputStream: string;
  produceTo: string;
  producerId: string;
  streams: string[];
  flags?: string;
  partition?: number;
}
export interface AnomaliesResponse {
  risk: number;
  alert: boolean;
  anomalousStreams: string[];
  scores: Array<Record<string, unknown>>;
  partition: number;
  offset: number;
}

export interface StatsResponse {
  backbone: string;
  topics: Array<{ topic: string; partitions: number; records: number; active: boolean; consumers: number }>;
  producers: number;
  consumers: number;
  groups: number;
  joinedTopics: number;
  models: number;
}

export interface JoinedPollRequest {
  offset?: number;
  partition?: number;
  maxRecords?: number;
}
export interface JoinedPollResponse {
  topic: string;
  lastOffset: number;
  records: Array<{ partition: number; offset: number; timestamp: number; value: unknown }>;
}
