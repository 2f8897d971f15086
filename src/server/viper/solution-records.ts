// The records of the solutions VIPER's batch endpoints create, in the keys of the matching step
// endpoint (viper-protocol.md §4): predictions as viperhpdepredict writes them (`Hyperprediction`,
// `Algokey`, ...), optimisations as viperhpdeoptimize, anomalies as viperanomalypredict, statistics
// as preprocessproducetotopicstream (one record per stream and statistic), and each new champion as
// viperhpdetraining's answer keys. Given to the workers as the `viper` record shape; the solutions
// layer writes through it without naming a key.
import { PEER_GROUPS_KIND, preprocessedStreamName } from '../../streams/index.js';
import type { SolutionRecordShaper, SolutionRecordShapers } from '../../solutions/runner/record-shapers.js';
import type { SolutionSpec } from '../../solutions/spec.js';
import { modelAlgo } from '../operations/model-alias.js';
import { toViperOptimization } from './optimization.js';

/** The `recordShape` the batch endpoints put in their specs. */
export const VIPER_RECORD_SHAPE = 'viper';

/** The Algokey of a solution's model line: the solution, and the entity of a per-entity one. */
const algokey = (spec: SolutionSpec, entity: string) =>
  entity === '' ? spec.name : `${spec.name}_${entity}`;
const kafkakey = (spec: SolutionSpec, entity: string) => (entity === '' ? spec.name : entity);
const topicid = (entity: string) => (entity === '' ? {} : { Topicid: entity });
const islogistic = (spec: SolutionSpec) => (spec.automl.islogistic ? 1 : 0);
const deployed = (spec: SolutionSpec) => spec.registry?.deploy !== false;
const usedeploy = (spec: SolutionSpec) => (spec.registry?.predictWith === 'deployed' ? 1 : 0);
/** The batch call's `producerid` and `maintopic` (the spec's io), as VIPER's records carry them. */
const labels = (spec: SolutionSpec) => ({
  ...(spec.io?.producerId !== undefined ? { ProducerId: spec.io.producerId } : {}),
  ...(spec.io?.mainTopic !== undefined ? { Maintopic: spec.io.mainTopic } : {}),
});

export const viperSolutionRecords: SolutionRecordShaper = {
  params: (v, spec) => ({
    Algokey: algokey(spec, v.entity),
    Algo: modelAlgo(algokey(spec, v.entity), v.algorithm),
    MachineLearningAlgorithm: v.algorithm,
    DependentVariable: spec.dependentVariable,
    IndependentVariables: spec.independentVariables,
    Forecastaccuracy: v.forecastAccuracy,
    Fieldnames: ['Date', ...spec.independentVariables].join(','),
    Created: new Date(v.promotedAt).toISOString(),
    ProduceTo: spec.outputs.params,
    Islogistic: islogistic(spec),
    // each champion is promoted to deploy unless the training call said deploy=0 (registry.deploy)
    Deployed: deployed(spec) ? 1 : 0,
    DeployedTo: deployed(spec) ? 'deploy' : 'models',
    ...(spec.registry?.identifier !== undefined ? { Identifier: spec.registry.identifier } : {}),
    ...(spec.registry?.folder !== undefined ? { Fullpathtotrainingdata: spec.registry.folder } : {}),
    ...(spec.automl.classificationRule !== undefined ? { Processlogic: spec.automl.classificationRule } : {}),
    Modelruns: spec.automl.modelruns,
    Metrics: v.metrics,
    ...topicid(v.entity),
    ...labels(spec),
    kafkakey: kafkakey(spec, v.entity),
    Solution: v.solution,
    ModelVersion: v.version,
    Trigger: v.trigger,
    Lineage: v.lineage,
    Model: v.model,
  }),
  prediction: (p, spec) => ({
    Hyperprediction: p.prediction,
    Algokey: algokey(spec, p.entity),
    Algo: modelAlgo(algokey(spec, p.entity), p.algorithm),
    MachineLearningAlgorithm: p.algorithm,
    Usedeploy: usedeploy(spec),
    Created: new Date().toISOString(),
    Consumefrom: spec.outputs.params,
    Produceto: spec.outputs.predictions,
    Fieldnames: spec.independentVariables.join(','),
    Islogistic: islogistic(spec),
    Inputdata: spec.independentVariables.map((v) => p.inputs[v]).join(','),
    ...topicid(p.entity),
    ...labels(spec),
    kafkakey: kafkakey(spec, p.entity),
    ...(p.interval !== undefined
      ? { Lower: p.interval.lower, Upper: p.interval.upper, Coverage: p.interval.coverage }
      : {}),
    Actual: p.actual,
    ModelVersion: p.modelVersion,
    Offsets: p.offsets,
  }),
  optimum: (o, spec) =>
    toViperOptimization(o, {
      userDetails: {
        CreatedOn: new Date().toISOString(),
        HPDEHOST: 'in-process',
        Usedeploy: usedeploy(spec),
        Algokey: algokey(spec, o.entity),
        ModelVersion: o.modelVersion,
        ...topicid(o.entity),
      },
      additionDetails: {
        Consumefrom: spec.outputs.params,
        Produceto: spec.outputs.optimal ?? '',
        kafkakey: kafkakey(spec, o.entity),
        ...labels(spec),
      },
    }),
  anomaly: ({ solution: _s, entity, values, offsets, ...risk }, spec) => ({
    ...risk,
    Created: new Date().toISOString(),
    kafkakey: kafkakey(spec, entity),
    ...topicid(entity),
    ...labels(spec),
    Values: values,
    Offsets: offsets,
  }),
  scoredInput: (r, spec) => ({
    Created: new Date().toISOString(),
    kafkakey: kafkakey(spec, r.entity),
    ...topicid(r.entity),
    ...(spec.io?.scoredInputsProducerId !== undefined ? { ProducerId: spec.io.scoredInputsProducerId } : {}),
    ...(spec.io?.mainTopic !== undefined ? { Maintopic: spec.io.mainTopic } : {}),
    Values: r.values,
    Offsets: r.offsets,
    RowTimestamp: r.rowTimestamp,
  }),
  // as viperanomalytrain writes its peer groups (records.ts ViperPeerGroups), labelled with the
  // batch call's produceridpeergroup
  peerGroups: (r, spec) => ({
    kind: PEER_GROUPS_KIND,
    Created: new Date().toISOString(),
    Consumefrom: spec.io?.mainTopic ?? spec.inputs.map((i) => i.topic).join(','),
    Streams: r.streams,
    PeerGroups: r.peerGroups,
    WindowRecords: r.rows,
    kafkakey: kafkakey(spec, r.entity),
    ...topicid(r.entity),
    ...(spec.io?.peerGroupsProducerId !== undefined ? { ProducerId: spec.io.peerGroupsProducerId } : {}),
    ...(spec.io?.mainTopic !== undefined ? { Maintopic: spec.io.mainTopic } : {}),
    ...(r.folder !== undefined ? { Fullpathtotrainingdata: r.folder } : {}),
  }),
  statistics: (r, spec) => {
    const now = new Date();
    const preprocess = spec.preprocess;
    const items = Object.entries(r.statistics).flatMap(([variable, statistics]) =>
      Object.entries(statistics).map(([statistic, value]) => ({
        hyperprediction: value === null || value === undefined ? '' : String(value as number | string),
        Maintopic: spec.io?.mainTopic ?? spec.outputs.preprocessed ?? '',
        Topic: preprocessedStreamName(variable, statistic),
        Type: 'External',
        ProducerId: spec.io?.producerId ?? '',
        TimeStamp: now.toISOString(),
        Unixtime: now.getTime(),
        kafkakey: kafkakey(spec, r.entity),
        Preprocesstype: statistic.charAt(0).toUpperCase() + statistic.slice(1).toLowerCase(),
        Numberofmessages: r.rows,
        ...topicid(r.entity),
        Consumerid: 'StreamConsumer',
        Generated: now.toISOString(),
        Identifier: preprocess?.identifier ?? '',
        Preprocessconditions: preprocess?.conditions ?? '',
        ...(r.values !== undefined ? { RawData: r.values[variable] ?? [] } : {}),
      })),
    );
    // saveasarray: one record holding the window's items
    return preprocess?.form === 'array' ? [items] : items;
  },
};

/** The shapers the VIPER face gives the solution workers it starts. */
export const viperRecordShapers: SolutionRecordShapers = new Map([
  [VIPER_RECORD_SHAPE, viperSolutionRecords],
]);
