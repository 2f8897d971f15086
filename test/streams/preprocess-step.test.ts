// The preprocess step on a backbone: conditions, a device's records (topicId), an offset, the
// preprocess topic with one named stream per item, raw data, and bad input that writes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import { forEachBackbone } from '../helpers/backbones.js';
import { uniqueName } from '../helpers/names.js';
import {
  joinLatestWindows,
  neutralShapers,
  preprocessStreams,
  STREAM_HEADER,
  StepInputError,
  streamAddress,
} from '../../src/streams/index.js';

const T0 = Date.now() - 60_000;

await forEachBackbone((env) => {
  let backbone: Backbone;
  before(async () => {
    backbone = await env.open();
  });
  after(() => backbone?.close());

  async function stream(prefix: string, records: Array<[string, number | string]>): Promise<string> {
    const name = uniqueName(prefix);
    await backbone.createTopic({ name, partitions: 1 });
    await backbone.produce(
      name,
      records.map(([key, value], i) => ({ key, value: String(value), timestamp: T0 + 1000 * i })),
    );
    return name;
  }
  const latest = async (topic: string) => (await backbone.listOffsets(topic))[0].latest;

  test(`${env.name}: conditions, a device, the preprocess topic and raw data`, async () => {
    // device 7's humidity: 50, 56, 58, 61, 59; device 8's records must not count
    const humidity = await stream('humidity', [
      ['7', 50],
      ['8', 99],
      ['7', 56],
      ['7', 58],
      ['8', 1],
      ['7', 61],
      ['7', 59],
    ]);
    const temperature = await stream('temperature', [
      ['7', 30],
      ['7', 34],
      ['7', 40],
      ['8', 50],
      ['7', 33],
    ]);
    const status = await stream('status', [
      ['7', 'ok'],
      ['8', 'down'],
      ['7', 'ok'],
      ['7', 'warn'],
    ]);
    const joined = uniqueName('joined');
    const out = uniqueName('preprocessed');
    await backbone.createTopic({ name: out, partitions: 1 });
    const input = {
      topic: joined,
      streams: [humidity, temperature, status],
      maxRows: 100,
      logic: ['max', 'count', 'uniquestrcount'],
      topicId: 7,
      preprocessTopic: out,
    };

    // bad input first: each names its input, and nothing reaches the preprocess topic
    const bad: Array<[Partial<typeof input> & { conditions?: string; offset?: number }, string, RegExp]> = [
      [{ conditions: `${humidity}=55` }, 'conditions', /is not stream=low,high/],
      [{ conditions: `${humidity}=a,60` }, 'conditions', /bound 'a' is not a number/],
      [{ conditions: 'nosuchstream=1,2' }, 'conditions', /names stream 'nosuchstream'/],
      [{ conditions: `${humidity}=60,55` }, 'conditions', /low 60 is above high 55/],
      [{ conditions: `${status}=1,2` }, 'conditions', /needs numbers, but stream .* holds 'ok'/],
      [{ conditions: `${humidity}=1000,n` }, 'conditions', /no value/],
      [{ logic: ['max', 'count', 'avg'] }, 'logic', /value 'ok' at position 0 is not a number/],
      [{ logic: ['max', 'count', 'modus'] }, 'logic', /unknown statistic 'modus'/],
      [{ topicId: 5 }, 'maxRows', /no value in its window \(maxRows 100, key 5\)/],
      [{ offset: -2 }, 'offset', /must be -1/],
    ];
    for (const [change, field, message] of bad) {
      await assert.rejects(
        preprocessStreams({ backbone, shapers: neutralShapers }, { ...input, ...change }),
        (e: unknown) => e instanceof StepInputError && e.field === field && message.test(e.message),
        JSON.stringify(change),
      );
    }
    assert.equal(await latest(out), 0);

    const written = await preprocessStreams(
      { backbone, shapers: neutralShapers },
      { ...input, conditions: `${humidity}=55,60:${temperature}=34,n`, rawData: true, identifier: 'dsn-1' },
    );
    // humidity of device 7 inside [55, 60]: 56, 58, 59 → MAX 59; temperature ≥ 34: 34, 40 → COUNT 2;
    // status: ok, ok, warn → 2 distinct texts
    assert.deepEqual(
      written.map((w) => [w.name, w.value, w.count, w.conditions]),
      [
        [`topicid7_${humidity}_preprocessed_Max`, 59, 3, `${humidity}=55,60`],
        [`topicid7_${temperature}_preprocessed_Count`, 2, 2, `${temperature}=34,n`],
        [`topicid7_${status}_preprocessed_Uniquestrcount`, 2, 3, ''],
      ],
    );
    assert.deepEqual(written[0].rawData, [56, 58, 59]);
    assert.deepEqual(written[0].msgIds, ['0:2', '0:3', '0:6']);
    assert.equal(written[0].windowStart, T0 + 2000);
    assert.equal(written[0].windowEnd, T0 + 6000);
    // one topic for the call, each item a stream named by its header
    const { records } = await backbone.fetch({ topic: out, partition: 0, offset: 0, maxRecords: 10 });
    assert.deepEqual(
      records.map((r) => r.headers[STREAM_HEADER]?.toString('utf8')),
      written.map((w) => w.name),
    );
    const first = JSON.parse(records[0].value?.toString('utf8') ?? '{}') as {
      value: number;
      identifier: string;
    };
    assert.equal(first.value, 59);
    assert.equal(first.identifier, 'dsn-1');
  });

  test(`${env.name}: offset N reads maxRows records from N on`, async () => {
    const values = await stream('values', [
      ['a', 50],
      ['a', 99],
      ['a', 56],
      ['a', 58],
      ['a', 1],
    ]);
    const out = uniqueName('out');
    await backbone.createTopic({ name: out, partitions: 1 });
    const [item] = await preprocessStreams(
      { backbone, shapers: neutralShapers },
      { topic: out, streams: [values], maxRows: 3, logic: ['avg'], offset: 2 },
    );
    assert.equal(item.value, 38.333333); // (56 + 58 + 1) / 3
    assert.equal(item.count, 3);
    const [newest] = await preprocessStreams(
      { backbone, shapers: neutralShapers },
      { topic: out, streams: [values], maxRows: 2, logic: ['sum'], offset: -1 },
    );
    assert.equal(newest.value, 59); // 58 + 1
  });

  test(`${env.name}: preprocessed streams are streams: joined by their names inside the preprocess topic`, async () => {
    const a = await stream('a', []);
    const b = await stream('b', []);
    const out = uniqueName('preprocessed');
    await backbone.createTopic({ name: out, partitions: 1 });
    const avgs: number[] = [];
    const maxes: number[] = [];
    for (let k = 0; k < 6; k++) {
      const xs = [k, k + 2, 3 * k];
      const ys = [10 - k, 2 * k, 5];
      await backbone.produce(
        a,
        xs.map((v) => ({ value: String(v) })),
      );
      await backbone.produce(
        b,
        ys.map((v) => ({ value: String(v) })),
      );
      avgs.push(Number(((k + k + 2 + 3 * k) / 3).toFixed(6)));
      maxes.push(Math.max(...ys));
      await preprocessStreams(
        { backbone, shapers: neutralShapers },
        { topic: out, streams: [a, b], maxRows: 3, logic: ['avg', 'max'] },
      );
    }
    const names = [streamAddress(out, `${a}_preprocessed_Avg`), streamAddress(out, `${b}_preprocessed_Max`)];
    const joined = await joinLatestWindows(backbone, names, { lastOffsets: 4 });
    assert.deepEqual(joined.values[names[0]], avgs.slice(2));
    assert.deepEqual(joined.values[names[1]], maxes.slice(2));
    // and preprocessed again, by name: the TREND of the averages (k + 2/3·… rises by 5/3 per window)
    const [trend] = await preprocessStreams(
      { backbone, shapers: neutralShapers },
      { topic: out, streams: [names[0]], maxRows: 6, logic: ['trend'] },
    );
    assert.equal(trend.name, `${a}_preprocessed_Avg_preprocessed_Trend`);
    assert.equal(trend.value, 1.666667); // averages (5k + 2)/3: slope 5/3
  });
});
