// The seed flow through the VIPER face up to a trained model, for the benches that predict against
// a running `tml serve` (bench/server.ts, bench/abuse.ts): the model learns y = 2·x1 − x2 + 5 (plus
// a small saw-tooth), so a prediction for (40, 30) is about 55.

export async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, init);
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok || 'ERROR' in body) throw new Error(`${url.split('?')[0]}: ${JSON.stringify(body)}`);
  return body;
}

/** The seed flow through the VIPER face up to a trained model: three streams, join, training set, training. */
export async function trainSeedModel(url: string, token: string) {
  const q = (endpoint: string, params: Record<string, string | number>) =>
    json(
      `${url}/${endpoint}?vipertoken=${token}&` +
        Object.entries(params)
          .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
          .join('&'),
    );
  const producer = async (topic: string) => String((await q('createtopics', { topic })).ProducerId);
  const consumer = async (topic: string) =>
    String((await q('subscribeconsumer', { topic, companyname: 'bench' })).Consumerid);
  const streams = ['bench-dv', 'bench-iv1', 'bench-iv2'];
  const rows = 500;
  const x1 = Array.from({ length: rows }, (_, i) => (i * 37) % 100);
  const x2 = Array.from({ length: rows }, (_, i) => (i * 53) % 90);
  const y = x1.map((v, i) => 2 * v - x2[i] + 5 + ((i % 7) - 3) * 0.1);
  for (const [stream, values] of [
    [streams[0], y],
    [streams[1], x1],
    [streams[2], x2],
  ] as const) {
    await q('producetotopicbulk', {
      topic: stream,
      producerid: await producer(stream),
      externalprediction: values.join(','),
    });
  }
  const joined = await q('createjointopicstreams', {
    topicname: 'bench-joined',
    topicstojoin: streams.join(','),
  });
  await q('producetotopicstream', {
    topicname: 'bench-joined',
    producerid: String(joined.ProducerId),
    offset: -1,
    maxrows: 300,
  });
  await q('createtrainingdata', {
    consumefrom: 'bench-joined',
    produceto: 'bench-training',
    dependentvariable: streams[0],
    independentvariables: `${streams[1]},${streams[2]}`,
    consumerid: await consumer('bench-joined'),
    producerid: await producer('bench-training'),
    companyname: 'bench',
  });
  const trained = await q('viperhpdetraining', {
    consumefrom: 'bench-training',
    produceto: 'bench-params',
    consumerid: await consumer('bench-training'),
    producerid: await producer('bench-params'),
    companyname: 'bench',
    modelruns: 10,
    timeout: 60,
  });
  return {
    algokey: String(trained.Algokey),
    predictions: 'bench-predictions',
    predictionsProducer: await producer('bench-predictions'),
    v1Predictions: 'bench-v1-predictions',
    v1PredictionsProducer: await producer('bench-v1-predictions'),
  };
}
