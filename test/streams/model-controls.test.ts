// The training's model controls in the core: the classification rule (VIPER's processlogic), the
// transform (log-log, ...), parameter estimates and coefficient streams, the deploy stage and
// predicting with the deployed model — checked against hand-worked values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Backbone } from '../../src/backbone/types.js';
import { MetadataStore } from '../../src/backbone/metadata-store.js';
import { embeddedEnv, type BackboneEnv } from '../helpers/backbones.js';
import { uniqueName } from '../helpers/names.js';
import {
  classify,
  createTrainingSet,
  joinLatestWindows,
  ModelRegistry,
  neutralShapers,
  optimizeInputs,
  parseClassificationRule,
  predict,
  resolveModel,
  searchedAlgorithms,
  StepInputError,
  trainModel,
  type CoefficientRecord,
} from '../../src/streams/index.js';

const T0 = Date.now() - 60_000;
let env: BackboneEnv;
let backbone: Backbone;
before(async () => {
  env = await embeddedEnv();
  backbone = await env.open();
});
after(async () => {
  await backbone?.close();
  await env?.cleanup();
});

async function topic(prefix: string, values?: number[]): Promise<string> {
  const name = uniqueName(prefix);
  await backbone.createTopic({ name, partitions: 1 });
  if (values) {
    await backbone.produce(
      name,
      values.map((v, i) => ({ value: String(v), timestamp: T0 + i })),
    );
  }
  return name;
}

/** A training set of the given streams (the first is the dependent variable). */
async function trainingSet(columns: number[][]): Promise<{ set: string; names: string[] }> {
  const names = await Promise.all(columns.map((c, i) => topic(`s${i}`, c)));
  const joined = await topic('joined');
  const record = await joinLatestWindows(backbone, names, { lastOffsets: columns[0].length });
  await backbone.produce(joined, [{ value: JSON.stringify(record) }]);
  const set = await topic('set');
  await createTrainingSet(backbone, {
    consumeFrom: joined,
    produceTo: set,
    dependentVariable: names[0],
    independentVariables: names.slice(1),
    partition: -1,
  });
  return { set, names };
}

async function services() {
  const registry = new ModelRegistry(await MetadataStore.open(backbone, { topic: uniqueName('registry') }));
  return { backbone, registry, shapers: neutralShapers };
}

const base = { partition: -1, modelruns: 6, timeoutSeconds: 60 };

test('processlogic grammar: ranges, open bounds (-n, n), conditions ANDed; bad rules name the field', () => {
  const rule = parseClassificationRule(
    'classification_name=failure_prob:Voltage=55,n:Current=-n,30:T=20.5,30',
  );
  assert.equal(rule.name, 'failure_prob');
  assert.deepEqual(rule.conditions, [
    { stream: 'Voltage', low: 55, high: null },
    { stream: 'Current', low: null, high: 30 },
    { stream: 'T', low: 20.5, high: 30 },
  ]);
  const row = (v: number, c: number, t: number) => (s: string) =>
    ({ Voltage: v, Current: c, T: t })[s] ?? NaN;
  assert.equal(classify(rule, row(55, 30, 20.5)), 1); // bounds are inclusive
  assert.equal(classify(rule, row(54.9, 0, 25)), 0);
  assert.equal(classify(rule, row(1e9, -1e9, 30)), 1);
  assert.equal(classify(rule, row(60, 30.1, 25)), 0);
  assert.equal(classify(rule, row(60, 10, 30.5)), 0);
  for (const [text, expected] of [
    ['failure_prob:Voltage=55,n', /must start with 'classification_name=<name>'/],
    ['classification_name=f', /names no condition/],
    ['classification_name=f:Voltage=60,55', /low bound 60 is above its high bound 55/],
    ['classification_name=f:Voltage=abc,n', /low bound 'abc'/],
    ['classification_name=f:Voltage=55', /write <stream>=<low>,<high>/],
    ['classification_name=f:Voltage=1,2,3', /write <stream>=<low>,<high>/],
  ] as const) {
    assert.throws(
      () => parseClassificationRule(text),
      (e: unknown) =>
        e instanceof StepInputError && e.field === 'classificationRule' && expected.test(e.message),
      text,
    );
  }
});

test('islogistic with a rule: the 0/1 target is the rule on the rows, recorded in the model', async () => {
  const n = 200;
  const a = Array.from({ length: n }, (_, i) => (i * 37) % 100);
  const b = Array.from({ length: n }, (_, i) => (i * 53) % 90);
  const unused = Array.from({ length: n }, (_, i) => i % 2);
  const { set, names } = await trainingSet([unused, a, b]);
  const s = await services();
  const params = await topic('params');
  const trained = await trainModel(s, {
    ...base,
    consumeFrom: set,
    produceTo: params,
    islogistic: true,
    alias: 'rule_json',
    classificationRule: `classification_name=high:${names[1]}=50,n`,
  });
  assert.equal(trained.record.dependentVariable, 'high');
  assert.equal(trained.record.controls?.classificationRule?.conditions[0].low, 50);
  assert.equal(trained.record.controls?.accuracyThreshold, 0.5);
  const resolved = await resolveModel(s, { alias: 'rule_json' });
  // a = 80 (≥ 50) is class 1, a = 10 is class 0, whatever b is
  const out = await topic('out');
  const [hi] = await predict(s, resolved, { produceTo: out, inputs: [80, 40], maxRows: 0 });
  const [lo] = await predict(s, resolved, { produceTo: out, inputs: [10, 40], maxRows: 0 });
  assert.ok((hi.probability1 ?? 0) > 0.5 && hi.prediction === 1, JSON.stringify(hi));
  assert.ok((lo.probability1 ?? 1) < 0.5 && lo.prediction === 0, JSON.stringify(lo));
  assert.equal(hi.accuracyThreshold, 0.5);
});

test('a rule naming an unknown stream, or labelling every row alike, writes nothing', async () => {
  const n = 60;
  const a = Array.from({ length: n }, (_, i) => i + 1);
  const { set, names } = await trainingSet([a.map((v) => v % 2), a]);
  const s = await services();
  const params = await topic('params');
  for (const [rule, expected] of [
    ['classification_name=f:Nope=1,n', /names stream 'Nope', which the training set does not hold/],
    [`classification_name=f:${names[1]}=1000,n`, /labels all 60 rows of the training set 0/],
  ] as const) {
    await assert.rejects(
      trainModel(s, {
        ...base,
        consumeFrom: set,
        produceTo: params,
        islogistic: true,
        alias: 'x',
        classificationRule: rule,
      }),
      (e: unknown) =>
        e instanceof StepInputError && e.field === 'classificationRule' && expected.test(e.message),
    );
  }
  assert.equal(await written(params), 0);
  assert.equal(await s.registry.resolve('x'), undefined);
});

async function written(name: string): Promise<number> {
  return (await backbone.listOffsets(name)).reduce((sum, p) => sum + p.latest, 0);
}

test('log-log: fitted in logs, predicted in original units; estimates streamed; non-positive refused', async () => {
  // y = 3·x^0.7 exactly: in logs, ln y = ln 3 + 0.7·ln x
  const n = 80;
  const x = Array.from({ length: n }, (_, i) => 1 + ((i * 37) % 97));
  const y = x.map((v) => 3 * v ** 0.7);
  const { set, names } = await trainingSet([y, x]);
  const s = await services();
  const params = await topic('params');
  const coefs = await topic('coefs');
  const trained = await trainModel(s, {
    ...base,
    consumeFrom: set,
    produceTo: params,
    islogistic: false,
    alias: 'elastic_json',
    transform: 'log-log',
    coefficientTopic: coefs,
    coefficientIndexes: [0, 1],
    coefficientNames: ['constant', 'elasticity'],
  });
  const estimates = trained.record.controls?.parameterEstimates;
  assert.equal(estimates?.hasConstantTerm, true);
  assert.ok(
    Math.abs((estimates?.estimates[0] ?? 0) - Math.log(3)) < 0.02,
    `constant ${estimates?.estimates[0]}`,
  );
  assert.ok(Math.abs((estimates?.estimates[1] ?? 0) - 0.7) < 0.01, `elasticity ${estimates?.estimates[1]}`);
  const streamed = (await backbone.fetch({ topic: coefs, partition: 0, offset: 0 })).records.map(
    (r) => JSON.parse(String(r.value)) as CoefficientRecord,
  );
  assert.deepEqual(
    streamed.map((c) => [c.name, c.index]),
    [
      ['constant', 0],
      ['elasticity', 1],
    ],
  );
  assert.equal(streamed[1].value, estimates?.estimates[1]);
  const resolved = await resolveModel(s, { alias: 'elastic_json' });
  const [p] = await predict(s, resolved, { produceTo: await topic('out'), inputs: [10], maxRows: 0 });
  // the window's statistics are in x's own units (1..97), and the optimum is searched there:
  // 3·x^0.7 is largest at x = 97, 3·97^0.7 = 73.8
  assert.deepEqual([trained.record.stats[0].min, trained.record.stats[0].max], [1, 97]);
  const optimum = await optimizeInputs(s, resolved, {
    produceTo: await topic('optimum'),
    minimize: false,
    constraints: 'best',
    constraintType: 1,
    stretchBounds: 0,
    epsilon: 10,
  });
  assert.ok(
    Math.abs(optimum.record.optimalValues[0].value - 97) < 0.5,
    JSON.stringify(optimum.record.optimalValues),
  );
  assert.ok(Math.abs(optimum.record.value - 3 * 97 ** 0.7) < 1, `optimum ${optimum.record.value}`);
  const expected = 3 * 10 ** 0.7; // 15.036
  assert.ok(
    Math.abs(p.prediction - expected) / expected < 0.02,
    `prediction ${p.prediction} against ${expected}`,
  );
  await assert.rejects(
    predict(s, resolved, { produceTo: await topic('out'), inputs: [0], maxRows: 0 }),
    (e: unknown) => e instanceof StepInputError && e.field === 'inputs' && /'.*' .*value 0/.test(e.message),
  );

  // a zero in the independent variable: the log is refused, naming the variable; nothing written
  const bad = await trainingSet([y, x.map((v, i) => (i === 5 ? 0 : v))]);
  const params2 = await topic('params');
  await assert.rejects(
    trainModel(s, {
      ...base,
      consumeFrom: bad.set,
      produceTo: params2,
      islogistic: false,
      alias: 'bad',
      transform: 'lin-log',
    }),
    (e: unknown) =>
      e instanceof StepInputError &&
      e.field === 'transform' &&
      e.message.includes(`'${bad.names[1]}', whose value 0`),
  );
  assert.equal(await written(params2), 0);
  assert.equal(names.length, 2);
});

test('deploy: usedeploy predicts with the deployed model, otherwise the latest; none deployed is an input error', async () => {
  const n = 60;
  const x = Array.from({ length: n }, (_, i) => (i * 37) % 50);
  const s = await services();
  const params = await topic('params');
  const train = async (slope: number, deploy: boolean) => {
    const { set } = await trainingSet([x.map((v) => slope * v + 1), x]);
    return trainModel(s, {
      ...base,
      consumeFrom: set,
      produceTo: params,
      islogistic: false,
      alias: 'd_json',
      deploy,
    });
  };
  await train(2, false);
  await assert.rejects(
    resolveModel(s, { alias: 'd_json', useDeployed: true }),
    (e: unknown) =>
      e instanceof StepInputError && e.field === 'useDeployed' && /none was deployed/.test(e.message),
  );
  const first = await train(2, true);
  assert.equal(first.record.controls?.stage, 'deploy');
  const second = await train(-3, false);
  assert.equal(second.record.controls?.stage, 'models');
  const out = await topic('out');
  const at10 = async (source: Parameters<typeof resolveModel>[1]) =>
    (await predict(s, await resolveModel(s, source), { produceTo: out, inputs: [10], maxRows: 0 }))[0]
      .prediction;
  // deployed: 2·10 + 1 = 21; latest: −3·10 + 1 = −29; from the params topic the same
  assert.ok(Math.abs((await at10({ alias: 'd_json', useDeployed: true })) - 21) < 1);
  assert.ok(Math.abs((await at10({ alias: 'd_json' })) - -29) < 1);
  assert.ok(Math.abs((await at10({ consumeFrom: params, useDeployed: true })) - 21) < 1);
});

test('modelsearchtuner: up to 80 every family; above, the best-first share (100 − t)/20, at least 2', async () => {
  assert.equal(searchedAlgorithms('regression', 80), undefined);
  assert.equal(searchedAlgorithms('regression', 0), undefined);
  // the 11 regression families ranked best-first (automl ALGORITHM_PRIORITY): ⌈11 / 2⌉ at 90
  assert.deepEqual(searchedAlgorithms('regression', 90), [
    'ridge',
    'gbdt',
    'extra_trees',
    'random_forest',
    'poly2_ridge',
    'knn',
  ]);
  assert.deepEqual(searchedAlgorithms('regression', 95), ['ridge', 'gbdt', 'extra_trees']);
  assert.deepEqual(searchedAlgorithms('regression', 100), ['ridge', 'gbdt']);
  // the 7 classification families: ⌈7 / 2⌉ at 90
  assert.deepEqual(searchedAlgorithms('classification', 90), [
    'gbdt',
    'logistic',
    'extra_trees',
    'random_forest',
  ]);
  // with coefficients: the linear families, narrowed the same way
  assert.deepEqual(searchedAlgorithms('regression', 100, ['ols', 'ridge', 'lasso', 'elastic_net']), [
    'ridge',
    'ols',
  ]);
  for (const bad of [-1, 101, 2.5]) {
    assert.throws(
      () => searchedAlgorithms('regression', bad),
      (e: unknown) => e instanceof StepInputError && e.field === 'modelSearchTuner',
    );
  }
  // a training at 100 spreads its modelruns over ridge and gbdt only
  const n = 60;
  const x = Array.from({ length: n }, (_, i) => (i * 37) % 50);
  const { set } = await trainingSet([x.map((v) => 2 * v + 1), x]);
  const trained = await trainModel(await services(), {
    ...base,
    consumeFrom: set,
    produceTo: await topic('params'),
    islogistic: false,
    alias: 'tuned_json',
    modelSearchTuner: 100,
  });
  // (an ensemble of the best of those candidates may join the leaderboard: it searches nothing new)
  const searched = trained.record.leaderboard.filter((e) => e.algorithm !== 'ensemble');
  assert.deepEqual([...new Set(searched.map((e) => e.algorithm))].sort(), ['gbdt', 'ridge']);
  assert.equal(searched.length, base.modelruns);
  assert.equal(trained.record.controls?.modelSearchTuner, 100);
});

test('offset picks the training set by offset, rollbackPercent its newest share of rows', async () => {
  const n = 60;
  const x = Array.from({ length: n }, (_, i) => (i * 37) % 50);
  const s = await services();
  // two training sets in one topic: y = 2x + 1 at offset 0, y = −3x + 1 at offset 1
  const first = await trainingSet([x.map((v) => 2 * v + 1), x]);
  const second = await trainingSet([x.map((v) => -3 * v + 1), x]);
  const sets = await topic('sets');
  for (const t of [first.set, second.set]) {
    const { records } = await backbone.fetch({ topic: t, partition: 0, offset: 0 });
    await backbone.produce(sets, [{ value: String(records[0].value) }]);
  }
  const params = await topic('params');
  const out = await topic('out');
  const at10 = async (extra: { offset?: number; rollbackPercent?: number }) => {
    const trained = await trainModel(s, {
      ...base,
      consumeFrom: sets,
      produceTo: params,
      islogistic: false,
      alias: 'o_json',
      ...extra,
    });
    const resolved = await resolveModel(s, { alias: 'o_json' });
    const [p] = await predict(s, resolved, { produceTo: out, inputs: [10], maxRows: 0 });
    return { prediction: p.prediction, rows: trained.record.trainingRows };
  };
  assert.ok(Math.abs((await at10({ offset: 0 })).prediction - 21) < 1);
  assert.ok(Math.abs((await at10({})).prediction - -29) < 1);
  // 50 % of 60 rows: the newest 30
  assert.equal((await at10({ rollbackPercent: 50 })).rows, 30);
  assert.equal((await at10({ rollbackPercent: 0 })).rows, 60);
  for (const [extra, field, expected] of [
    [{ offset: 2 }, 'offset', /is 2, but topic .* holds offsets 0\.\.1/],
    [{ offset: -2 }, 'offset', /must be -1/],
    [{ rollbackPercent: 150 }, 'rollbackPercent', /percentage from 0 to 100/],
    [{ rollbackPercent: 10 }, 'consumeFrom', /6 usable rows; training needs at least 30/],
  ] as const) {
    await assert.rejects(
      trainModel(s, {
        ...base,
        consumeFrom: sets,
        produceTo: params,
        islogistic: false,
        alias: 'o2',
        ...extra,
      }),
      (e: unknown) => e instanceof StepInputError && e.field === field && expected.test(e.message),
      JSON.stringify(extra),
    );
  }
});
