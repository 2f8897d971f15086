// The stream-query step over preprocessed streams: each query's 1/0 against hand-worked newest
// values, the results with their inputs in the output topic, and bad queries that write nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import { forEachBackbone } from '../helpers/backbones.js';
import { uniqueName } from '../helpers/names.js';
import { neutralShapers, preprocessStreams, queryStreams, StepInputError } from '../../src/streams/index.js';

await forEachBackbone((env) => {
  let backbone: Backbone;
  before(async () => {
    backbone = await env.open();
  });
  after(() => backbone?.close());

  async function topic(prefix: string, values: number[] = []): Promise<string> {
    const name = uniqueName(prefix);
    await backbone.createTopic({ name, partitions: 1 });
    if (values.length > 0)
      await backbone.produce(
        name,
        values.map((v) => ({ value: String(v) })),
      );
    return name;
  }

  test(`${env.name}: queries on the newest values of preprocessed streams`, async () => {
    const [a, b, out, results] = [
      await topic('a', [9, 9, 9]),
      await topic('b', [0, 0, 0]),
      await topic('pre'),
      await topic('query'),
    ];
    // an older window (avg 9, max 0), then the newest: a = 1, 2, 3 → AVG 2; b = 4, 8, 6 → MAX 8
    await preprocessStreams(
      { backbone, shapers: neutralShapers },
      { topic: out, streams: [a, b], maxRows: 3, logic: ['avg', 'max'] },
    );
    await backbone.produce(
      a,
      [1, 2, 3].map((v) => ({ value: String(v) })),
    );
    await backbone.produce(
      b,
      [4, 8, 6].map((v) => ({ value: String(v) })),
    );
    const [itemA, itemB] = await preprocessStreams(
      { backbone, shapers: neutralShapers },
      { topic: out, streams: [a, b], maxRows: 3, logic: ['avg', 'max'] },
    );
    const A = `${a}_preprocessed_Avg`;
    const B = `${b}_preprocessed_Max`;
    const input = { topic: out, streams: [A, B], produceTo: results, identifier: 'plant-1' };

    for (const [conditions, message] of [
      [`${A} > 1 and ${B} < 9 or ${A} = 2`, /mixes AND and OR/],
      [`${A} >> 1`, /is not <stream>/],
      [`${A} > high`, /'high' in/],
      [`${A} ≥ 1`, /is not <stream>/],
      [`nosuch > 1`, /stream 'nosuch' is not one of the query's streams/],
    ] as const) {
      await assert.rejects(
        queryStreams(backbone, { ...input, conditions }),
        (e: unknown) => e instanceof StepInputError && e.field === 'conditions' && message.test(e.message),
        conditions,
      );
    }
    const four = ['w', 'x', 'y', 'z'];
    await assert.rejects(
      queryStreams(backbone, {
        ...input,
        streams: four,
        conditions: four.map((s) => `${s} > 0`).join(' and '),
      }),
      /names 4 streams; at most 3/,
    );
    assert.equal((await backbone.listOffsets(results))[0].latest, 0);

    const written = await queryStreams(backbone, {
      ...input,
      conditions: `${A} > 1 and ${B} < 9:${A} > 2 or ${B} = 8:${A} > 2 or ${B} < 8:${A}=2`,
      description: 'both;either;neither',
    });
    assert.deepEqual(
      written.map((r) => [r.result, r.join, r.description]),
      [
        [1, 'and', 'both'],
        [1, 'or', 'either'],
        [0, 'or', 'neither'],
        [1, 'and', ''],
      ],
    );
    assert.deepEqual(written[0].inputs, {
      [A]: { value: 2, partition: itemA.partition, offset: itemA.offset },
      [B]: { value: 8, partition: itemB.partition, offset: itemB.offset },
    });
    assert.deepEqual(
      written[2].terms.map((t) => t.met),
      [false, false],
    );
    const { records } = await backbone.fetch({ topic: results, partition: 0, offset: 0, maxRecords: 10 });
    assert.equal(records.length, 4);
    const first = JSON.parse(records[0].value?.toString('utf8') ?? '{}') as {
      result: number;
      identifier: string;
    };
    assert.deepEqual([first.result, first.identifier], [1, 'plant-1']);
  });

  test(`${env.name}: with topicId, a query reads the device's preprocessed streams by their bare names`, async () => {
    const [raw, out] = [await topic('raw'), await topic('pre')];
    await backbone.produce(raw, [
      { key: '7', value: '4' },
      { key: '8', value: '100' },
      { key: '7', value: '6' },
    ]);
    for (const topicId of [7, 8]) {
      await preprocessStreams(
        { backbone, shapers: neutralShapers },
        { topic: out, streams: [raw], maxRows: 10, logic: ['avg'], topicId },
      );
    }
    const name = `${raw}_preprocessed_Avg`;
    const [seven] = await queryStreams(backbone, {
      topic: out,
      streams: [name],
      conditions: `${name} = 5`,
      topicId: 7,
    });
    const [eight] = await queryStreams(backbone, {
      topic: out,
      streams: [name],
      conditions: `${name} = 5`,
      topicId: 8,
    });
    assert.deepEqual([seven.result, seven.inputs[name].value], [1, 5]); // (4 + 6) / 2
    assert.deepEqual([eight.result, eight.inputs[name].value], [0, 100]);
  });
});
