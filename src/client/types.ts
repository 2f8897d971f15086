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
  /** Per stream, the range computed over: `humidity=55,60:temperature=34,n` (`n`: open side). */
  conditions?: string;
  /** A device: only records keyed with it are read; outputs are named `topicid<N>_...`. */
  topicId?: number;
  /** Where the items are written (an existing topic; default: the joined topic). */
  preprocessTopic?: string;
  /** -1 (default): each stream's newest maxRows records; N >= 0: maxRows records from offset N on. */
  offset?: number;
  /** Keep the values computed over and their records (`partition:offset`) in each item. */
  rawData?: boolean;
  /** The streams are fields of the topic's rows `{"A":1,"B":2}` (VIPER's array=1). */
  fields?: boolean;
}
export interface PreprocessResponse {
  items: Array<{
    /** The preprocessed stream's name, `[topicid<N>_]<stream>_preprocessed_<Type>`. */
    topic: string;
    writtenTo: string;
    stream: string;
    type: string;
    /** Text for RAW of a text stream and for MEANCI95/99 (`mean,low,high`). */
    value: number | string | null;
    messages: number;
    conditions: string;
    rawData?: Array<number | string>;
    msgIds?: string[];
    partition: number;
    offset: number;
  }>;
}

export interface CustomJsonRequest {
  producerId: string;
  /** `uid=…,filter:…~subtopics=…~values=…~identifiers=…~datetime=…~msgid=…~latlong=lat:long`. */
  criteria: string;
  /** Every statistic for every device and subtopic (VIPER's names). */
  logic: string[];
  maxRows: number;
  /** -1 (default): the topic's newest maxRows records; N >= 0: from offset N on. */
  offset?: number;
  /** Per subtopic, the range of values computed over: `Voltage=200,n`. */
  conditions?: string;
  identifier?: string;
  /** Where the preprocessed streams are written (an existing topic; default: the raw topic). */
  preprocessTopic?: string;
  rawData?: boolean;
  /** `streams` (default), `array` (one JSON array per device) or `rows` (one object per device). */
  form?: 'streams' | 'array' | 'rows';
}
export interface CustomJsonResponse {
  items: Array<{
    /** `<subtopic>_preprocessed_<Type>`. */
    topic: string;
    writtenTo: string;
    /** The device (the record's uid): the key of the record written. */
    device: string;
    subtopic: string;
    label: string;
    type: string;
    value: number | string | null;
    messages: number;
    windowStart: number;
    windowEnd: number;
    conditions: string;
    rawData?: Array<number | string>;
    msgIds?: string[];
    partition: number;
    offset: number;
  }>;
}

export interface StreamQueryRequest {
  producerId: string;
  /** Streams inside the topic, e.g. `voltage_preprocessed_Avg`. */
  streams: string[];
  /** Queries separated by ':', terms `<stream> >|<|= <number>` joined by `and` or by `or` (≤ 3 streams). */
  conditions: string;
  /** One per query, separated by ';'. */
  description?: string;
  identifier?: string;
  /** Where the results are written (an existing topic; default: the topic). */
  produceTo?: string;
  /** A device: the streams are read as `topicid<N>_<stream>`. */
  topicId?: number;
  /** A device by record key (custom JSON's uid): its newest values among each stream's newest `maxRows`. */
  device?: string;
  maxRows?: number;
}
export interface StreamQueryResponse {
  produceTo: string;
  results: Array<{
    query: string;
    description: string;
    identifier: string;
    join: 'and' | 'or';
    result: 0 | 1;
    /** The device queried ('' for none). */
    device: string;
    inputs: Record<string, { value: number; partition: number; offset: number }>;
    terms: Array<{ stream: string; operator: '>' | '<' | '='; value: number; met: boolean }>;
    createdAt: string;
    partition: number;
    offset: number;
  }>;
}

/** Correlations between streams (docs/stream-analytics.md). */
export interface CorrelationRequest {
  producerId: string;
  /** Topics, `topic/stream` named streams, or streams inside the path's topic; 2 to 10. */
  streams: string[];
  /** Each stream's newest maxRows values (3..10,000), aligned to the shortest. */
  maxRows: number;
  offset?: number;
  methods: Array<'pearson' | 'spearman' | 'kendall'>;
  /** Cross-correlate at lags −maxLag..maxLag too (0: not). */
  maxLag?: number;
  minLength?: number;
  /** Keep |coefficient| > threshold (0..1). */
  threshold?: number;
  /** Keep p-value < maxPValue (0..1). */
  maxPValue?: number;
  /** Keep the strongest `top` (0: all). */
  top?: number;
  produceTo?: string;
  identifier?: string;
  description?: string;
}
export interface CorrelationResponse {
  produceTo: string;
  computed: number;
  written: Array<{
    streams: string[];
    method: string;
    name: string;
    coefficient: number | null;
    pValue: number | null;
    lag?: number;
    lags?: Array<{ lag: number; coefficient: number }>;
    count: number;
    windowStart: number;
    windowEnd: number;
    identifier: string;
    description: string;
    createdAt: string;
    partition: number;
    offset: number;
  }>;
}

/** k-means over a topic's newest records (docs/stream-analytics.md). */
export interface ClusterRequest {
  producerId: string;
  maxRows: number;
  offset?: number;
  /** JSON paths of the numbers forming each point. */
  valueKeys: string[];
  /** `path=value`. */
  filter?: string;
  groupKey?: string;
  idKey?: string;
  /** `> .5`, `<= 10`, `= 3` on the first value. */
  valueCondition?: string;
  clusters: number;
  iterations: number;
  distance: 'euclidean' | 'squaredEuclidean';
  minimumPoints?: number;
  alertOnClusterSize?: number;
  seed?: number;
  /** Mail the alerts to these addresses (in the server's allowed domains, config `alertMail`). */
  alertEmails?: string[];
  /** At most one mail per this many seconds to the same recipients. */
  emailFrequencySeconds?: number;
  produceTo?: string;
  identifier?: string;
  description?: string;
}
export interface ClusterResponse {
  produceTo: string;
  partition: number;
  offset: number;
  clusters: Array<{ cluster: number; size: number; centre: number[] }>;
  points: Array<{ id: string; cluster: number; distance: number; values: number[] }>;
  initialCentres: number[][];
  inertia: number;
  iterations: number;
  converged: boolean;
  recordsRead: number;
  recordsSkipped: number;
  /** Mails handed to the SMTP server, or why none was. */
  mail: { sent: number; reason?: string };
  alerts: Array<{
    kind: string;
    message: string;
    subject: string;
    value: number;
    threshold: number;
    partition: number;
    offset: number;
  }>;
}

/** The newest search of a topic against the searches before it (docs/stream-analytics.md). */
export interface SearchAnomalyRequest {
  producerId: string;
  maxRows: number;
  offset?: number;
  /** JSON path of the search text; records that are not JSON objects are the text. */
  textKey?: string;
  /** Watched terms. */
  terms?: string[];
  /** true (default): a search holding a watched term is an anomaly; false: it is not checked. */
  flagTerms?: boolean;
  /** 0–100: less similar than this is an anomaly. */
  threshold: number;
  check?: boolean;
  produceTo?: string;
  identifier?: string;
  alertEmails?: string[];
  emailFrequencySeconds?: number;
}
export interface SearchAnomalyResponse {
  produceTo: string;
  partition: number;
  offset: number;
  search: string;
  words: string[];
  similarity: number;
  peerSearches: number;
  matchedTerms: string[];
  anomaly: boolean;
  alerts: ClusterResponse['alerts'];
  mail: { sent: number; reason?: string };
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
  /** With islogistic: `classification_name=<name>:<stream>=<low>,<high>:...` (ANDed; -n/n open). */
  classificationRule?: string;
  transform?: 'log-log' | 'log-lin' | 'lin-log';
  /** Stream these parameter estimates (0 = constant) into `coefficientTopic`. */
  coefficientTopic?: string;
  coefficientIndexes?: number[];
  coefficientNames?: string[];
  /** Promote the model to its algokey's deployed model. */
  deploy?: boolean;
  identifier?: string;
  /** 0–100 (default 80): the share of the algorithm families searched, best-first. */
  modelSearchTuner?: number;
  /** The training set at this offset (-1: the newest); train on its newest rollbackPercent % of rows. */
  offset?: number;
  rollbackPercent?: number;
  dependentVariable?: string;
  independentVariables?: string[];
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
  /** The training's model controls (rule, transform, parameter estimates, stage, ...). */
  controls?: Record<string, unknown>;
}

/** The model: by `algokey`, or the latest of `consumeFrom` read with `consumerId`. */
export interface ModelSource {
  algokey?: string;
  consumeFrom?: string;
  consumerId?: string;
  partition?: number;
  /** The algokey's model promoted with `deploy` instead of its latest. */
  useDeployed?: boolean;
}

export interface PredictRequest extends ModelSource {
  produceTo: string;
  producerId: string;
  /** One row in the model's input order; or give `stream`. */
  inputs?: number[];
  /** A joined topic: one prediction per row of its latest joined record. */
  stream?: string;
  maxRows?: number;
  /**
   * Nominal coverage of the interval (regression) or prediction set (classification), in (0, 1);
   * default 0.9 when the model has held-out residuals or class scores.
   */
  coverage?: number;
  /** Add each prediction's feature contributions. */
  explain?: boolean;
}
export interface PredictResponse {
  predictions: Array<{
    prediction: number;
    probability1?: number;
    accuracyThreshold?: number;
    inputs: number[];
    interval?: { lower: number; upper: number; coverage: number };
    /** Classifiers: the classes of the conformal prediction set at `coverage`. */
    predictionSet?: number[];
    coverage?: number;
    explanation?: {
      method: string;
      /** value, log-odds or probability: the space in which baseValue + Σ contributions = output. */
      output: string;
      baseValue: number;
      contributions: Record<string, number>;
    };
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

/** A consumer group with its lag (GET /v1/consumer-groups). */
export interface ConsumerGroupLag {
  groupId: string;
  state: string;
  members: number;
  partitions: Array<{ topic: string; partition: number; committed: number; end: number; lag: number }>;
  /** Records the group has yet to read, over all its partitions. */
  lag: number;
}

/** A model trained through the API, with its leaderboard (GET /v1/trainings). */
export interface TrainingSummary {
  algokey: string;
  algorithm: string;
  topic: string;
  partition: number;
  offset: number;
  createdAt: string;
  dependentVariable?: string;
  independentVariables?: string[];
  trainingRows?: number;
  selectionMetric?: string;
  leaderboard?: Array<{ algorithm: string; metrics: Record<string, number>; fitMs: number; error?: string }>;
  model: unknown;
}
