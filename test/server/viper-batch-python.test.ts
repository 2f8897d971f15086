// The real maadstml client's viperhpdetrainingbatch against a listening tml server: the call VIPER
// would run continuously creates a solution here, with the client's own parameters (it sends every
// one, most of them empty or -999).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createTopic, setUpFlow } from './flow-fixture.js';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';
import { ensureClient, hasPython, python } from './python-venv.js';

const SCRIPT = `
import json, sys
import maadstml
token, port, joined, dv, ivs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
result = maadstml.viperhpdetrainingbatch(
    token, "http://127.0.0.1", port, joined, "py-batch-params", "OTICS", "", "", "127.0.0.1", "",
    hpdeport=8001, modelruns=5, dependentvariable=dv, independentvariables=ivs,
    rollbackoffsets=60, timedelay=20)
print(json.dumps(json.loads(result)))
`;

let server: TestServer;
let port = 0;
before(async () => {
  server = await startTestServer();
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  port = address.port;
});
after(async () => {
  await server.close();
});

test(
  'maadstml.viperhpdetrainingbatch creates a solution',
  { skip: hasPython || process.env.CI === 'true' ? false : 'python3 is not installed', timeout: 900_000 },
  async () => {
    ensureClient();
    const streams = ['pyb-dv', 'pyb-iv1', 'pyb-iv2'];
    for (const s of streams) await createTopic(server, s);
    const join = await viper(server.app, 'createjointopicstreams', {
      vipertoken: server.admin,
      topicname: 'pyb-joined',
      topicstojoin: streams.join(','),
      ...CONTACT,
    });
    assert.ok(join.ProducerId, JSON.stringify(join));
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        python,
        ['-c', SCRIPT, server.admin, String(port), 'pyb-joined', streams[0], streams.slice(1).join(',')],
        { encoding: 'utf8', timeout: 120_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(answer.ERROR, undefined, result.stdout);
    assert.equal(answer.Solution, 'viper-py-batch-params');
    assert.equal(answer.Action, 'created');
    const view = await server.app.inject({
      method: 'GET',
      url: '/v1/solutions/viper-py-batch-params',
      headers: { authorization: `Bearer ${server.user}` },
    });
    const spec = view.json().spec;
    assert.deepEqual(
      spec.inputs.map((i: { topic: string }) => i.topic),
      streams,
    );
    assert.equal(spec.window.records, 60);
    assert.deepEqual(spec.retrain, { everySeconds: 20 });
    assert.equal(spec.automl.modelruns, 5);
    assert.equal(spec.entityKey, false, "the client's topicid=-999 means no entity key");
  },
);

const PROCESS_SCRIPT = `
import json, sys, statistics
import maadstml
token, port, params, consumer, predictions, producer, joined, peers_stream = sys.argv[1:9]
port = int(port)
host = "http://127.0.0.1"
def call(fn, *args, **kwargs):
    return json.loads(getattr(maadstml, fn)(token, host, port, *args, **kwargs))
out = {}
every = call("viperhpdepredictprocess", params, predictions, "OTICS", consumer, producer, host, joined, "all",
             hpdeport=8001, pathtoalgos="./models")
values = [p["Hyperprediction"] for p in every]
out["all"] = len(values)
for kind in ("max", "min", "avg", "median", "trend"):
    out[kind] = call("viperhpdepredictprocess", params, predictions, "OTICS", consumer, producer, host, joined, kind,
                     hpdeport=8001, pathtoalgos="./models")["Hyperprediction"]
out["expected"] = {"max": max(values), "min": min(values), "avg": statistics.fmean(values),
                   "median": statistics.median(values),
                   "trend": statistics.linear_regression(list(range(len(values))), values).slope}
out["bad"] = call("viperhpdepredictprocess", params, predictions, "OTICS", consumer, producer, host, joined, "mode",
                  hpdeport=8001, pathtoalgos="./models")
flags = f"topic={peers_stream},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5"
anomaly = dict(companyname="OTICS", hpdehost=host, hpdeport=8001, viperconfigfile="viper.env",
               streamstoanalyse=peers_stream, produceridpeergroup="", consumeridproduceto="", consumerid="",
               producerid="", rollbackoffsets=40)
out["anomaly"] = call("viperanomalytrainbatch", consumefrom=joined, produceto="py-anoms", producepeergroupto="py-peers",
                      flags=flags, timedelay=600, **anomaly)
out["again"] = call("viperanomalytrainbatch", consumefrom=joined, produceto="py-anoms", producepeergroupto="py-peers",
                    flags=flags, timedelay=900, **anomaly)
print(json.dumps(out))
`;

test(
  'maadstml: viperhpdepredictprocess summarises as Python computes; a batch call again updates in place',
  { skip: hasPython || process.env.CI === 'true' ? false : 'python3 is not installed', timeout: 900_000 },
  async () => {
    ensureClient();
    const flow = await setUpFlow(server, 'pyp');
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        python,
        [
          '-c',
          PROCESS_SCRIPT,
          server.admin,
          String(port),
          flow.params,
          flow.paramsConsumer,
          flow.predictions,
          flow.predictionsProducer,
          flow.joined,
          flow.streams[1],
        ],
        { encoding: 'utf8', timeout: 300_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as Record<string, unknown> & {
      expected: Record<string, number>;
      bad: { ERROR?: string };
      anomaly: Record<string, unknown>;
      again: Record<string, unknown>;
    };
    assert.equal(out.all, 50);
    for (const kind of ['max', 'min', 'avg', 'median', 'trend']) {
      const got = out[kind] as number;
      const want = out.expected[kind];
      assert.ok(
        Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)),
        `${kind}: ${got} vs Python's ${want}`,
      );
    }
    assert.match(String(out.bad.ERROR), /processtype/);
    assert.equal(out.anomaly.Action, 'created', JSON.stringify(out.anomaly));
    assert.equal(out.anomaly.Streams, flow.streams[1], 'one stream');
    assert.equal(out.again.Action, 'updated', JSON.stringify(out.again));
    assert.equal(out.again.RetrainEverySeconds, 900);
  },
);
