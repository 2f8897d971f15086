// Bad input on every endpoint of the TML flow: each gets an ERROR naming the parameter or the
// unknown thing, the server stays up, and nothing stored changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic, setUpFlow, subscribe, type FlowIds } from './flow-fixture.js';

let server: TestServer;
let ids: FlowIds;
let shortJoined = '';
let shortProducer = '';
let shortConsumer = '';
let shortTraining = '';
let shortTrainingProducer = '';
before(async () => {
  server = await startTestServer();
  ids = await setUpFlow(server, 'bad');
  // A joined topic whose streams hold only 20 records: too short to train on.
  const streams = ['short-dv', 'short-iv'];
  for (const s of streams) {
    const producer = await createTopic(server, s);
    await viper(server.app, 'producetotopicbulk', {
      vipertoken: server.user,
      topic: s,
      producerid: producer,
      externalprediction: Array.from({ length: 20 }, (_, i) => i).join(','),
    });
  }
  shortJoined = 'short-joined';
  shortProducer = String(
    (
      await viper(server.app, 'createjointopicstreams', {
        vipertoken: server.admin,
        topicname: shortJoined,
        topicstojoin: streams.join(','),
      })
    ).ProducerId,
  );
  await viper(server.app, 'producetotopicstream', {
    vipertoken: server.user,
    topicname: shortJoined,
    producerid: shortProducer,
    offset: -1,
    maxrows: 50,
  });
  shortConsumer = await subscribe(server, shortJoined);
  shortTraining = 'short-training';
  shortTrainingProducer = await createTopic(server, shortTraining);
});
after(async () => {
  await server.close();
});

async function snapshot(): Promise<string> {
  const topics = (await server.backbone.listTopics()).filter((t) => !t.startsWith('__')).sort();
  const offsets = await Promise.all(topics.map((t) => server.backbone.listOffsets(t)));
  return JSON.stringify({
    topics,
    offsets,
    // sorted: a lookup miss re-reads a collection, which may change its iteration order
    registrations: [
      server.store.topics.values(),
      server.store.consumers.values(),
      server.store.joins.values(),
      (await server.store.models.aliases()).map((a) => a.champion),
    ].map((values) => values.map((v) => JSON.stringify(v)).sort()),
  });
}

type Case = [endpoint: string, params: () => Record<string, string | number>, expected: RegExp];
const NAMES = (parameter: string) => new RegExp(`parameter '${parameter}'`);

const predict = () => ({
  consumefrom: ids.params,
  consumerid: ids.paramsConsumer,
  produceto: ids.predictions,
  producerid: ids.predictionsProducer,
});
const optimize = () => ({
  consumefrom: ids.params,
  consumerid: ids.paramsConsumer,
  produceto: ids.optimal,
  producerid: ids.optimalProducer,
});
const training = () => ({
  consumefrom: ids.joined,
  produceto: ids.training,
  dependentvariable: ids.streams[0],
  independentvariables: `${ids.streams[1]},${ids.streams[2]}`,
  consumerid: ids.joinedConsumer,
  producerid: ids.trainingProducer,
});
const hpde = () => ({
  consumefrom: ids.training,
  produceto: ids.params,
  consumerid: ids.trainingConsumer,
  producerid: ids.paramsProducer,
});

const cases: Case[] = [
  // createjointopicstreams
  [
    'createjointopicstreams',
    () => ({ topicstojoin: ids.streams.join(',') }),
    /parameter 'topicname' is required/,
  ],
  ['createjointopicstreams', () => ({ topicname: 'j2' }), /parameter 'topicstojoin' is required/],
  [
    'createjointopicstreams',
    () => ({ topicname: 'j2', topicstojoin: 'nope,also' }),
    /topic 'nope' does not exist/,
  ],
  ['createjointopicstreams', () => ({ topicname: 'j+2', topicstojoin: ids.streams[0] }), NAMES('topicname')],
  [
    'createjointopicstreams',
    () => ({ topicname: 'j2', topicstojoin: `${ids.streams[0]},${ids.streams[0]}` }),
    /parameter 'topicstojoin' names .* twice/,
  ],
  ['createjointopicstreams', () => ({ topicname: 'j2', topicstojoin: 'caf%C3%A9' }), NAMES('topicstojoin')],
  // producetotopicstream
  [
    'producetotopicstream',
    () => ({ producerid: ids.joinedProducer, maxrows: 50 }),
    /parameter 'topicname' is required/,
  ],
  [
    'producetotopicstream',
    () => ({ topicname: ids.joined, maxrows: 50 }),
    /parameter 'producerid' is required/,
  ],
  [
    'producetotopicstream',
    () => ({ topicname: ids.joined, producerid: ids.joinedProducer, maxrows: 'abc' }),
    /parameter 'maxrows' must be an integer, got 'abc'/,
  ],
  [
    'producetotopicstream',
    () => ({ topicname: ids.joined, producerid: ids.joinedProducer, maxrows: 'NaN' }),
    NAMES('maxrows'),
  ],
  [
    'producetotopicstream',
    () => ({ topicname: ids.joined, producerid: ids.joinedProducer, offset: -1, maxrows: 0 }),
    /parameter 'maxrows' must be >= 1 with offset=-1/,
  ],
  [
    'producetotopicstream',
    () => ({ topicname: ids.joined, producerid: ids.joinedProducer, offset: -5, maxrows: 5 }),
    NAMES('offset'),
  ],
  [
    'producetotopicstream',
    () => ({ topicname: ids.joined, producerid: 'ProducerId-nope', maxrows: 50 }),
    /producer id 'ProducerId-nope' is not known/,
  ],
  [
    'producetotopicstream',
    () => ({ topicname: ids.joined, producerid: ids.trainingProducer, maxrows: 50 }),
    /produces to topic/,
  ],
  [
    'producetotopicstream',
    () => ({ topicname: ids.training, producerid: ids.trainingProducer, maxrows: 50 }),
    /parameter 'streamstojoin' is required: topic .* was not created with createjointopicstreams/,
  ],
  [
    'producetotopicstream',
    () => ({ topicname: 'nope', producerid: ids.joinedProducer, maxrows: 5 }),
    /topic 'nope' does not exist/,
  ],
  // createtrainingdata
  ['createtrainingdata', () => ({ ...training(), consumefrom: '' }), /parameter 'consumefrom' is required/],
  [
    'createtrainingdata',
    () => ({ ...training(), dependentvariable: '' }),
    /parameter 'dependentvariable' is required/,
  ],
  [
    'createtrainingdata',
    () => ({ ...training(), independentvariables: ',' }),
    /parameter 'independentvariables' is required/,
  ],
  ['createtrainingdata', () => ({ ...training(), consumefrom: 'nope' }), /topic 'nope' does not exist/],
  [
    'createtrainingdata',
    () => ({ ...training(), consumerid: 'ConsumerId-nope' }),
    /consumer id 'ConsumerId-nope' is not subscribed/,
  ],
  [
    'createtrainingdata',
    () => ({ ...training(), consumerid: ids.trainingConsumer }),
    /was subscribed to topic/,
  ],
  ['createtrainingdata', () => ({ ...training(), producerid: ids.joinedProducer }), /produces to topic/],
  [
    'createtrainingdata',
    () => ({ ...training(), dependentvariable: 'nostream' }),
    /parameter 'dependentvariable' names 'nostream'/,
  ],
  [
    'createtrainingdata',
    () => ({ ...training(), independentvariables: `${ids.streams[1]},x` }),
    NAMES('independentvariables'),
  ],
  [
    'createtrainingdata',
    () => ({ ...training(), partition: 'abc' }),
    /parameter 'partition' must be an integer/,
  ],
  ['createtrainingdata', () => ({ ...training(), partition: 7 }), NAMES('partition')],
  [
    'createtrainingdata',
    () => ({
      consumefrom: shortJoined,
      produceto: shortTraining,
      dependentvariable: 'short-dv',
      independentvariables: 'short-iv',
      consumerid: shortConsumer,
      producerid: shortTrainingProducer,
    }),
    /at least 30 aligned rows, the shortest stream has 20/,
  ],
  [
    'createtrainingdata',
    () => ({ ...training(), consumefrom: ids.training, consumerid: ids.trainingConsumer }),
    /parameter 'consumefrom'.*not JSON|parameter 'consumefrom'.*joined record/,
  ],
  // viperhpdetraining
  ['viperhpdetraining', () => ({ ...hpde(), produceto: '' }), /parameter 'produceto' is required/],
  [
    'viperhpdetraining',
    () => ({ ...hpde(), modelruns: 'abc' }),
    /parameter 'modelruns' must be an integer, got 'abc'/,
  ],
  [
    'viperhpdetraining',
    () => ({ ...hpde(), modelruns: 0 }),
    /parameter 'modelruns' must be an integer from 1/,
  ],
  [
    'viperhpdetraining',
    () => ({ ...hpde(), timeout: 'Infinity' }),
    /parameter 'timeout' must be a finite number/,
  ],
  ['viperhpdetraining', () => ({ ...hpde(), timeout: -1 }), NAMES('timeout')],
  ['viperhpdetraining', () => ({ ...hpde(), islogistic: 'maybe' }), /parameter 'islogistic' must be 1 or 0/],
  ['viperhpdetraining', () => ({ ...hpde(), islogistic: 1 }), /0 and 1|labels|class/i],
  ['viperhpdetraining', () => ({ ...hpde(), consumerid: 'ConsumerId-nope' }), /is not subscribed/],
  [
    'viperhpdetraining',
    () => ({ ...hpde(), consumefrom: ids.joined, consumerid: ids.joinedConsumer }),
    /not a training set/,
  ],
  [
    'viperhpdetraining',
    () => ({ ...hpde(), consumefrom: shortTraining, consumerid: shortConsumer }),
    /was subscribed to topic|holds no training set/,
  ],
  // viperhpdepredict
  ['viperhpdepredict', () => ({ ...predict() }), /parameter 'inputdata' is required/],
  [
    'viperhpdepredict',
    () => ({ ...predict(), inputdata: '1,NaN' }),
    /parameter 'inputdata' must hold finite numbers/,
  ],
  ['viperhpdepredict', () => ({ ...predict(), inputdata: 'Infinity,1' }), NAMES('inputdata')],
  ['viperhpdepredict', () => ({ ...predict(), inputdata: '1,2', coverage: '1.5' }), NAMES('coverage')],
  ['viperhpdepredict', () => ({ ...predict(), inputdata: '1,2', coverage: '0' }), NAMES('coverage')],
  [
    'viperhpdepredict',
    () => ({ ...predict(), inputdata: 'abc,1' }),
    /parameter 'inputdata' must be comma-separated numbers or the name of a joined topic; 'abc'/,
  ],
  [
    'viperhpdepredict',
    () => ({ ...predict(), inputdata: '1,2,3' }),
    /parameter 'inputdata' has 3 values; the model takes 2/,
  ],
  ['viperhpdepredict', () => ({ ...predict(), inputdata: '1' }), /parameter 'inputdata' has 1 values/],
  ['viperhpdepredict', () => ({ ...predict(), inputdata: 'nope' }), /topic 'nope' does not exist/],
  ['viperhpdepredict', () => ({ ...predict(), inputdata: ids.training }), NAMES('inputdata')],
  ['viperhpdepredict', () => ({ ...predict(), inputdata: 'caf%C3%A9' }), NAMES('inputdata')],
  [
    'viperhpdepredict',
    () => ({ ...predict(), inputdata: '1,2', algokey: 'nope_json' }),
    /algokey 'nope_json' is not a trained model/,
  ],
  [
    'viperhpdepredict',
    () => ({ ...predict(), inputdata: '1,2', consumerid: 'ConsumerId-nope' }),
    /is not subscribed/,
  ],
  [
    'viperhpdepredict',
    () => ({ ...predict(), inputdata: '1,2', consumefrom: '' }),
    /parameter 'consumefrom' is required/,
  ],
  [
    'viperhpdepredict',
    () => ({ ...predict(), inputdata: '1,2', producerid: ids.paramsProducer }),
    /produces to topic/,
  ],
  ['viperhpdepredict', () => ({ ...predict(), inputdata: '1,2', maxrows: 'abc' }), NAMES('maxrows')],
  [
    'viperhpdepredict',
    () => ({ ...predict(), inputdata: '1,2', consumefrom: ids.training, consumerid: ids.trainingConsumer }),
    /not a trained model/,
  ],
  // viperhpdeoptimize
  ['viperhpdeoptimize', () => ({ ...optimize(), ismin: 'abc' }), /parameter 'ismin' must be 1 or 0/],
  [
    'viperhpdeoptimize',
    () => ({ ...optimize(), constrainttype: 4 }),
    /parameter 'constrainttype' must be 1, 2 or 3/,
  ],
  ['viperhpdeoptimize', () => ({ ...optimize(), stretchbounds: 'NaN' }), NAMES('stretchbounds')],
  ['viperhpdeoptimize', () => ({ ...optimize(), epsilon: 0 }), NAMES('epsilon')],
  ['viperhpdeoptimize', () => ({ ...optimize(), constraints: 'nope:1:2' }), NAMES('constraints')],
  [
    'viperhpdeoptimize',
    () => ({ ...optimize(), constraints: `${ids.streams[1]}:5:1` }),
    NAMES('constraints'),
  ],
  ['viperhpdeoptimize', () => ({ ...optimize(), constraints: 'garbage' }), NAMES('constraints')],
  [
    'viperhpdeoptimize',
    () => ({ ...optimize(), algokey: 'nope_json' }),
    /algokey 'nope_json' is not a trained model/,
  ],
  ['viperhpdeoptimize', () => ({ ...optimize(), produceto: 'nope' }), /topic 'nope' does not exist/],
  // viperanomalytrain / viperanomalypredict
  [
    'viperanomalytrain',
    () => ({
      consumefrom: ids.joined,
      consumerid: ids.joinedConsumer,
      producepeergroupto: ids.training,
      produceridpeergroup: ids.trainingProducer,
      streamstoanalyse: ids.streams[1],
    }),
    /parameter 'flags' is required/,
  ],
  [
    'viperanomalytrain',
    () => ({
      consumefrom: ids.joined,
      consumerid: ids.joinedConsumer,
      producepeergroupto: ids.training,
      produceridpeergroup: ids.trainingProducer,
      streamstoanalyse: ids.streams[1],
      flags: `topic=${ids.streams[1]},lag=abc`,
    }),
    /parameter 'flags'.*lag must be a number/,
  ],
  [
    'viperanomalytrain',
    () => ({
      consumefrom: ids.joined,
      consumerid: ids.joinedConsumer,
      producepeergroupto: ids.training,
      produceridpeergroup: ids.trainingProducer,
      streamstoanalyse: 'nostream',
      flags: 'topic=nostream',
    }),
    /parameter 'streamstoanalyse' names 'nostream'/,
  ],
  [
    'viperanomalypredict',
    () => ({
      consumefrom: ids.training,
      consumerid: ids.trainingConsumer,
      consumeinputstream: ids.joined,
      produceto: ids.predictions,
      producerid: ids.predictionsProducer,
      streamstoanalyse: ids.streams[1],
      flags: 'riskscore=0.5',
    }),
    /not peer groups/,
  ],
  [
    'viperanomalypredict',
    () => ({
      consumefrom: ids.training,
      consumerid: ids.trainingConsumer,
      consumeinputstream: ids.joined,
      produceto: ids.predictions,
      producerid: ids.predictionsProducer,
      streamstoanalyse: ids.streams[1],
      flags: 'riskscore=abc',
    }),
    /parameter 'flags'/,
  ],
  [
    'viperanomalypredict',
    () => ({
      consumefrom: ids.training,
      consumerid: ids.trainingConsumer,
      consumeinputstream: 'nope',
      produceto: ids.predictions,
      producerid: ids.predictionsProducer,
      streamstoanalyse: ids.streams[1],
      flags: 'riskscore=0.5',
    }),
    /topic 'nope' does not exist/,
  ],
  // preprocessproducetotopicstream
  [
    'preprocessproducetotopicstream',
    () => ({ topicname: ids.joined, producerid: ids.joinedProducer, maxrows: 10 }),
    /parameter 'preprocesslogic' is required/,
  ],
  [
    'preprocessproducetotopicstream',
    () => ({ topicname: ids.joined, producerid: ids.joinedProducer, maxrows: 10, preprocesslogic: 'nosuch' }),
    /parameter 'preprocesslogic'.*nosuch/i,
  ],
  [
    'preprocessproducetotopicstream',
    () => ({
      topicname: ids.joined,
      producerid: ids.joinedProducer,
      maxrows: 10,
      preprocesslogic: 'min,max',
    }),
    /parameter 'preprocesslogic' has 2 entries for 3 streams/,
  ],
  [
    'preprocessproducetotopicstream',
    () => ({ topicname: ids.joined, producerid: ids.joinedProducer, maxrows: 'abc', preprocesslogic: 'min' }),
    NAMES('maxrows'),
  ],
  // consumefromstreamtopic
  ['consumefromstreamtopic', () => ({ topic: ids.joined }), /parameter 'consumerid' is required/],
  [
    'consumefromstreamtopic',
    () => ({ topic: ids.joined, consumerid: ids.paramsConsumer }),
    /was subscribed to topic/,
  ],
  [
    'consumefromstreamtopic',
    () => ({ topic: ids.joined, consumerid: ids.joinedConsumer, offset: 'abc' }),
    NAMES('offset'),
  ],
];

test('every flow endpoint answers bad input with a clear ERROR, and nothing stored changes', async () => {
  const before = await snapshot();
  for (const [endpoint, params, expected] of cases) {
    const body = await viper(server.app, endpoint, { vipertoken: server.admin, ...params() });
    const what = `${endpoint} ${JSON.stringify(params()).slice(0, 160)} → ${JSON.stringify(body).slice(0, 300)}`;
    assert.equal(typeof body.ERROR, 'string', what);
    assert.match(String(body.ERROR), expected, what);
    assert.ok(String(body.ERROR).length < 500, 'errors stay short');
  }
  assert.equal(await snapshot(), before);
  const health = await server.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
});

test('a user token cannot create a joined topic; a missing token gets an ERROR', async () => {
  const refused = await viper(server.app, 'createjointopicstreams', {
    vipertoken: server.user,
    topicname: 'by-user',
    topicstojoin: ids.streams[0],
  });
  assert.match(String(refused.ERROR), /admin/);
  const anonymous = await viper(server.app, 'viperhpdepredict', { ...predict(), inputdata: '1,2' });
  assert.match(String(anonymous.ERROR), /token/);
});
