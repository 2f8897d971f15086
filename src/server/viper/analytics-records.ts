// How the stream analytics' records look in topics under the VIPER face. VIPER's documentation gives
// no output shape for streamcorr and streamcluster, so these follow its preprocessed item (§3.4 of
// the protocol notes): `hyperprediction` as a string and `Preprocesstype` (so a cluster call can
// filter correlations with filterkey=Preprocesstype=Pearson), and VIPER's capitalised keys.
// docs/stream-analytics.md lists every key.
import type {
  AlertRecord,
  ClusterRecord,
  CorrelationRecord,
  SearchAnomalyRecord,
} from '../../streams/index.js';
import type { CallDetails } from '../../streams/shapers.js';

const when = (d: Date) => ({ TimeStamp: d.toISOString(), Unixtime: d.getTime() });

export function viperCorrelation(r: CorrelationRecord, call: CallDetails, key: string) {
  return {
    hyperprediction: r.coefficient === null ? '' : String(r.coefficient),
    Preprocesstype: r.name.slice(r.name.lastIndexOf('_') + 1),
    Topic: r.name,
    Streams: r.streams.join(','),
    Correlation: r.coefficient,
    Pvalue: r.pValue,
    ...(r.lag !== undefined
      ? { Lag: r.lag, Lags: r.lags?.map((l) => ({ Lag: l.lag, Correlation: l.coefficient })) }
      : {}),
    Numberofmessages: r.count,
    WindowStartTime: new Date(r.windowStart).toISOString(),
    WindowEndTime: new Date(r.windowEnd).toISOString(),
    WindowStartUnixTime: r.windowStart,
    WindowEndUnixTime: r.windowEnd,
    Identifier: r.identifier,
    PreprocessIdentifier: r.identifier,
    Description: r.description,
    ...(r.rawData ? { RawData: r.rawData, MsgIdData: r.msgIds } : {}),
    ...(r.identifierParts ? { Identifierextract: r.identifierParts } : {}),
    ...(r.topics ? { Topicnames: r.topics } : {}),
    ...(r.attributes ? { Tmlattrs: r.attributes } : {}),
    ProducerId: call.producerId ?? '',
    ...when(r.createdAt),
    kafkakey: key,
  };
}

export function viperCluster(r: ClusterRecord, call: CallDetails, key: string) {
  return {
    Topic: r.topic,
    Preprocesstype: 'Kmeans',
    Distancealgo: r.distance === 'euclidean' ? 1 : 2,
    Numclusters: r.clusters.length,
    Clusters: r.clusters.map((c) => ({ Cluster: c.cluster, Size: c.size, Centre: c.centre })),
    Points: r.points.map((p) => ({
      Id: p.id,
      Cluster: p.cluster,
      Distance: p.distance,
      Values: p.values,
      Time: new Date(p.time).toISOString(),
      ...(p.label !== undefined ? { Valueidentifier: p.label } : {}),
      ...(p.identifierParts !== undefined ? { Identifierextract: p.identifierParts } : {}),
      ...(p.latitude !== undefined ? { Latitude: p.latitude } : {}),
      ...(p.longitude !== undefined ? { Longitude: p.longitude } : {}),
      ...(p.location !== undefined ? { Location: p.location } : {}),
      ...(p.joined !== undefined ? { Joinedidentifiers: p.joined } : {}),
    })),
    WindowStartTime: new Date(r.windowStart).toISOString(),
    WindowEndTime: new Date(r.windowEnd).toISOString(),
    WindowStartUnixTime: r.windowStart,
    WindowEndUnixTime: r.windowEnd,
    ...(r.rawData ? { RawData: r.rawData, MsgIdData: r.msgIds } : {}),
    InitialCentres: r.initialCentres,
    Inertia: r.inertia,
    Iterations: r.iterations,
    Converged: r.converged,
    Valuekey: r.valueKeys.join(','),
    Recordsread: r.recordsRead,
    Recordsskipped: r.recordsSkipped,
    Identifier: r.identifier,
    Description: r.description,
    ProducerId: call.producerId ?? '',
    ...when(r.createdAt),
    kafkakey: key,
  };
}

export function viperAlert(a: AlertRecord, key: string) {
  return {
    Alert: a.kind,
    Source: a.source,
    Message: a.message,
    Subject: a.subject,
    Value: a.value,
    Threshold: a.threshold,
    Details: a.details,
    Identifier: a.identifier,
    ...when(a.createdAt),
    kafkakey: key,
  };
}

export function viperSearchAnomaly(r: SearchAnomalyRecord, call: CallDetails, key: string) {
  return {
    Topic: r.topic,
    Preprocesstype: 'Searchanomaly',
    Search: r.search,
    Words: r.words,
    Similarity: r.similarity,
    Anomalythreshold: r.threshold,
    Anomaly: r.anomaly ? 1 : 0,
    Peersearches: r.peerSearches,
    Matchedterms: r.matchedTerms,
    Identifier: r.identifier,
    ProducerId: call.producerId ?? '',
    ...when(r.createdAt),
    kafkakey: key,
  };
}
