// /v1 shapes of the stream analytics: preprocessing, custom JSON, stream queries, correlations,
// clusters and search anomalies (docs/stream-analytics.md, docs/preprocessing.md). Re-exported by
// types.ts, which the SDK's users import.

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
  /** Wait up to this many ms (at most 60,000) for the raw topic to hold a record before reading. */
  waitMs?: number;
  /** `name=path,…`: each device's (TMLID's) attributes, read from its newest record, in its items. */
  attributes?: string;
  /** Track every device seen, with its attributes, in the topic `tml-tmlids`. */
  trackTmlids?: boolean;
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
  /** -1 (default): the newest records; n >= 0: the window from offset n of each stream. */
  offset?: number;
  /** The streams are fields of the topic's JSON rows (one object per record), not named streams. */
  fields?: boolean;
  /** Only records whose JSON field `whereKey` is `[text]`, contains `(text)`, lacks `{text}` (bare: exact). */
  where?: string;
  whereKey?: string;
  /** Write each result's input values and records (rawData, msgIds); default true. */
  rawData?: boolean;
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
    rawData?: number[];
    msgIds?: string[];
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
  /** Only this device's records (record key; with criteria, the uid). */
  device?: string;
  /** Only records whose JSON field `whereKey` is `[text]`, contains `(text)`, lacks `{text}` (bare: exact). */
  where?: string;
  whereKey?: string;
  /** The streams are fields of the topic's JSON rows (one object per record). */
  fields?: boolean;
  /** Raw JSON read through custom JSON's criteria; the streams are subtopics (none: all). */
  criteria?: string;
  /** With criteria: `name=path,…` attributes of each TMLID; trackTmlids writes them to tml-tmlids. */
  attributes?: string;
  trackTmlids?: boolean;
  /** JSON path of the identifier field (parts split by '~') and the parts each record carries. */
  identifierKey?: string;
  identifierPositions?: number[];
  /** Write the aligned values correlated and their records (rawData, msgIds). */
  rawData?: boolean;
  /** Write the topics the two streams were read from (topics). */
  topicNames?: boolean;
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
  /** JSON path of each record's time; default: its timestamp. Points are in time order. */
  timeKey?: string;
  /** JSON path of a text naming what each point's values are. */
  labelKey?: string;
  /** JSON path of the identifier field (parts separated by '~'); default `identifier`. */
  identifierKey?: string;
  /** Positions (from 0) of the identifier parts each point carries. */
  identifierPositions?: number[];
  /** Positions of latitude, longitude, location and joined text in the identifier (-1: none). */
  latitudePosition?: number;
  longitudePosition?: number;
  locationPosition?: number;
  joinedPosition?: number;
  /** Write every record's values and partition:offset that went into the points. */
  rawData?: boolean;
  /** With alertOnClusterSize: a cluster holding more than this % of the points alerts too. */
  alertOnSharePercent?: number;
  /** A PDF report written after the cluster record. */
  report?: {
    title?: string;
    description?: string;
    signature?: string;
    chartTitle?: string;
    recipients?: string[];
  };
}
export interface ClusterResponse {
  produceTo: string;
  partition: number;
  offset: number;
  clusters: Array<{ cluster: number; size: number; centre: number[] }>;
  points: Array<{
    id: string;
    cluster: number;
    distance: number;
    values: number[];
    /** Epoch ms. */
    time: number;
    label?: string;
    identifierParts?: string[];
    latitude?: number;
    longitude?: number;
    location?: string;
    joined?: string;
  }>;
  /** Where the PDF report was written. */
  report?: { partition: number; offset: number; bytes: number };
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
  /** Wait up to this many ms (at most 60,000) for the topic to hold a search and its peer. */
  waitMs?: number;
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
