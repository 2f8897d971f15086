// The core names its inputs as the /v1 face does (camelCase JSON fields); the VIPER face names them
// by VIPER's query parameters. An error from the core carries the core's field; this renames it for
// VIPER's callers, per endpoint where one field has different VIPER names on different endpoints.
import { NotFoundError, ParameterError, type ServerError } from '../errors.js';

const DEFAULT_NAMES: Record<string, string> = {
  producerId: 'producerid',
  consumerId: 'consumerid',
  groupId: 'groupid',
  groupName: 'groupname',
  partitions: 'numpartitions',
  replicationFactor: 'replicationfactor',
  value: 'externalprediction',
  rollbackPercent: 'rollbackoffsets',
  rollbackOffset: 'rollbackoffset',
  maxRows: 'maxrows',
  consumeFrom: 'consumefrom',
  produceTo: 'produceto',
  dependentVariable: 'dependentvariable',
  independentVariables: 'independentvariables',
  timeoutSeconds: 'timeout',
  inputs: 'inputdata',
  stream: 'inputdata',
  minimize: 'ismin',
  constraintType: 'constrainttype',
  stretchBounds: 'stretchbounds',
  inputStream: 'consumeinputstream',
  logic: 'preprocesslogic',
  conditions: 'preprocessconditions',
  preprocessTopic: 'preprocesstopic',
  rawData: 'rawdataoutput',
  fields: 'array',
  asArray: 'saveasarray',
  criteria: 'jsoncriteria',
  topicId: 'topicid',
  classificationRule: 'processlogic',
  transform: 'transformtype',
  coefficientTopic: 'sendcoefto',
  coefficientIndexes: 'coeftoprocess',
  coefficientNames: 'coefsubtopicnames',
  useDeployed: 'usedeploy',
  modelSearchTuner: 'modelsearchtuner',
  summary: 'processtype',
  folder: 'pathtoalgos',
  chunkSize: 'partitionsize',
  waitMs: 'timedelay',
  mainTopic: 'maintopic',
};

/** Where an endpoint calls a field by another VIPER name. */
const ENDPOINT_NAMES: Record<string, Record<string, string>> = {
  createjointopicstreams: { streams: 'topicstojoin', topic: 'topicname' },
  modifytopicdetails: { partitions: 'partition', count: 'partition' },
  producetotopicstream: { streams: 'streamstojoin', topic: 'topicname' },
  preprocessproducetotopicstream: { streams: 'streamstojoin', topic: 'topicname' },
  preprocesscustomjson: { topic: 'topicname', attributes: 'pathtotmlattrs', trackTmlids: 'usemysql' },
  streamquerybatch: {
    streams: 'streamstojoin',
    topic: 'topicname',
    where: 'wherecondition',
    whereKey: 'wheresearchkey',
  },
  viperanomalytrain: {
    produceTo: 'producepeergroupto',
    producerId: 'produceridpeergroup',
    streams: 'streamstoanalyse',
    summaryTo: 'produceto',
    summaryProducerId: 'producerid',
    summaryConsumerId: 'consumeridproduceto',
    folder: 'fullpathtotrainingdata',
  },
  viperanomalypredict: {
    streams: 'streamstoanalyse',
    inputConsumerId: 'consumeridinputstream',
    inputTestTo: 'produceinputstreamtest',
    inputTestProducerId: 'produceridinputstreamtest',
    folder: 'fullpathtopeergroupdata',
  },
  viperhpdetraining: { folder: 'fullpathtotrainingdata' },
  viperhpdepredict: { streams: 'streamstojoin' },
  streamquery: {
    streams: 'streamstojoin',
    topic: 'topicname',
    produceTo: 'preprocesstopic',
    where: 'wherecondition',
    whereKey: 'wheresearchkey',
  },
  streamcorr: {
    streams: 'streamstojoin',
    topic: 'topicname',
    produceTo: 'preprocesstopic',
    methods: 'correlationtype',
    maxLag: 'docrosscorr',
    minLength: 'mincorrvectorlen',
    threshold: 'threshhold',
    maxPValue: 'pvalue',
    top: 'topcorrnum',
    device: 'topicid',
    where: 'wherecondition',
    whereKey: 'wheresearchkey',
    criteria: 'jsoncriteria',
    attributes: 'pathtotmlattrs',
    trackTmlids: 'usemysql',
    identifierPositions: 'identifierextractpos',
    topicNames: 'outputtopicnames',
  },
  nlpsearchanomaly: {
    topic: 'topicname',
    produceTo: 'preprocesstopic',
    textKey: 'jsoncriteria',
    terms: 'searchterms',
    threshold: 'anomalythreshold',
    alertEmails: 'sendanomalyalertemail',
    emailFrequencySeconds: 'emailfrequency',
  },
  streamcluster: {
    topic: 'topicname',
    produceTo: 'preprocesstopic',
    valueKeys: 'valuekey',
    filter: 'filterkey',
    groupKey: 'groupkey',
    idKey: 'msgid',
    valueCondition: 'valuecondition',
    clusters: 'numclusters',
    distance: 'distancealgo',
    alertOnClusterSize: 'alertonclustersize',
    minimumPoints: 'minimumsubjects',
    alertEmails: 'sendalertemailsto',
    emailFrequencySeconds: 'emailfrequencyinseconds',
    timeKey: 'datetimekey',
    labelKey: 'valueidentifier',
    identifierPositions: 'identifierextractpos',
    latitudePosition: 'identifierextractposlatitude',
    longitudePosition: 'identifierextractposlongitude',
    locationPosition: 'identifierextractposlocation',
    joinedPosition: 'identifierextractjoinedidentifiers',
    alertOnSharePercent: 'alertonsubjectpercentage',
  },
};

export function viperName(endpoint: string, field: string): string {
  return ENDPOINT_NAMES[endpoint]?.[field] ?? DEFAULT_NAMES[field] ?? field;
}

/** The same error, naming VIPER's parameter instead of the core's field. */
export function viperNamed(error: ServerError, endpoint: string): ServerError {
  if (error instanceof ParameterError) {
    const name = viperName(endpoint, error.parameter);
    return name === error.parameter ? error : error.renamed(name);
  }
  if (error instanceof NotFoundError && error.parameter !== undefined) {
    const name = viperName(endpoint, error.parameter);
    return name === error.parameter ? error : new NotFoundError(error.code, error.message, name);
  }
  return error;
}
