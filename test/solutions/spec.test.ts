// The solution spec: defaults filled in, YAML and JSON alike, and every mistake named by its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SolutionSpecError } from '../../src/solutions/errors.js';
import { inputVariables, parseSolutionSpecText, validateSolutionSpec } from '../../src/solutions/spec.js';

const base = {
  name: 'plant',
  inputs: [{ topic: 'temperature' }, { topic: 'readings', variables: ['load', 'energy'] }],
  window: { records: 500 },
  dependentVariable: 'energy',
  independentVariables: ['temperature', 'load'],
  retrain: { everyRecords: 100 },
};

test('a minimal spec gets its defaults: AutoML settings, drift detection and output topics', () => {
  const spec = validateSolutionSpec(base);
  assert.equal(spec.automl.modelruns, 8);
  assert.equal(spec.automl.islogistic, false);
  assert.equal(spec.drift.enabled, true);
  assert.equal(spec.predict, true);
  assert.equal(spec.entityKey, false);
  assert.equal(spec.outputRetentionMs, 86_400_000);
  assert.deepEqual(spec.outputs, {
    params: 'plant-params',
    predictions: 'plant-predictions',
    drift: 'plant-drift',
  });
  assert.deepEqual(inputVariables(spec), [
    { variable: 'temperature', topic: 'temperature' },
    { variable: 'load', topic: 'readings', field: 'load' },
    { variable: 'energy', topic: 'readings', field: 'energy' },
  ]);
  // the input object is not changed
  assert.equal((base as { automl?: unknown }).automl, undefined);
});

test('YAML and JSON texts give the same spec', () => {
  const yaml = `
name: plant
inputs:
  - topic: temperature
  - topic: readings
    variables: [load, energy]
window: { records: 500 }
dependentVariable: energy
independentVariables: [temperature, load]
retrain: { everyRecords: 100 }
`;
  assert.deepEqual(parseSolutionSpecText(yaml), parseSolutionSpecText(JSON.stringify(base)));
});

const cases: Array<[string, unknown, string, RegExp]> = [
  ['not an object', 42, '(document)', /must be an object/],
  ['a bad name', { ...base, name: 'has space' }, 'name', /"has space" is not a valid name/],
  ['no inputs', { ...base, inputs: [] }, 'inputs', /1/],
  ['an unknown field', { ...base, colour: 'red' }, 'colour', /unexpected property/i],
  ['a window too small', { ...base, window: { records: 10 } }, 'window.records', /30/],
  ['a window too large', { ...base, window: { records: 100_001 } }, 'window.records', /100000/],
  [
    'a time window holding too many records',
    { ...base, window: { seconds: 60, maxRecords: 100_001 } },
    'window.maxRecords',
    /100000/,
  ],
  ['both window kinds', { ...base, window: { records: 100, seconds: 10 } }, 'window', /exactly one/],
  ['no retrain trigger', { ...base, retrain: {} }, 'retrain', /everyRecords/],
  [
    'an unknown dependent variable',
    { ...base, dependentVariable: 'power' },
    'dependentVariable',
    /power is not one of/,
  ],
  [
    'an unknown independent variable',
    { ...base, independentVariables: ['temperature', 'wind'] },
    'independentVariables.1',
    /wind/,
  ],
  [
    'the target as a feature',
    { ...base, independentVariables: ['energy'] },
    'independentVariables.0',
    /dependent/,
  ],
  ['a topic twice', { ...base, inputs: [{ topic: 'a' }, { topic: 'a' }] }, 'inputs.1.topic', /twice/],
  ['entities over two topics', { ...base, entityKey: true }, 'entityKey', /one input topic/],
  [
    'an output that is an input',
    { ...base, outputs: { predictions: 'temperature' } },
    'outputs.predictions',
    /input topic/,
  ],
  [
    'an unknown algorithm',
    { ...base, automl: { algorithms: ['ridge', 'svm'] } },
    'automl.algorithms.1',
    /svm is not a regression algorithm; choose from .*ridge/,
  ],
  [
    'a regressor for a classifier',
    { ...base, automl: { islogistic: true, algorithms: ['ols'] } },
    'automl.algorithms.0',
    /classification/,
  ],
  ['modelruns zero', { ...base, automl: { modelruns: 0 } }, 'automl.modelruns', /1/],
  ['a bad constraint type', { ...base, optimize: { constrainttype: 4 } }, 'optimize.constrainttype', /./],
];

for (const [what, input, field, message] of cases) {
  test(`an invalid spec is refused naming the field: ${what}`, () => {
    assert.throws(
      () => validateSolutionSpec(input),
      (error: unknown) => {
        assert.ok(error instanceof SolutionSpecError, String(error));
        assert.equal(error.field, field);
        assert.match(error.message, message);
        assert.ok(error.message.startsWith(`solution spec: ${field}:`), error.message);
        return true;
      },
    );
  });
}

test('text that is not YAML is refused with the parser’s reason', () => {
  assert.throws(() => parseSolutionSpecText('name: [unclosed'), /not valid YAML or JSON/);
});

test('outputRetentionMs: -1 keeps the outputs forever; below -1 is refused by name', () => {
  assert.equal(validateSolutionSpec({ ...base, outputRetentionMs: -1 }).outputRetentionMs, -1);
  assert.equal(validateSolutionSpec({ ...base, outputRetentionMs: 60_000 }).outputRetentionMs, 60_000);
  assert.throws(
    () => validateSolutionSpec({ ...base, outputRetentionMs: -2 }),
    (e: unknown) => e instanceof SolutionSpecError && /outputRetentionMs/.test(e.message),
  );
});

test('model: false takes one stream and no independent variables; its rules are named by field', () => {
  const oneStream = {
    name: 'levels',
    inputs: [{ topic: 'level' }],
    window: { records: 60 },
    dependentVariable: 'level',
    independentVariables: [],
    retrain: { everyRecords: 10 },
    model: false,
    predict: false,
    anomaly: {},
  };
  const spec = validateSolutionSpec(oneStream);
  assert.equal(spec.model, false);
  assert.equal(validateSolutionSpec(base).model, true, 'a model by default');
  const refused = (input: unknown, field: string) =>
    assert.throws(
      () => validateSolutionSpec(input),
      (e: unknown) => e instanceof SolutionSpecError && e.field === field,
      field,
    );
  refused({ ...oneStream, model: true }, 'independentVariables');
  refused({ ...oneStream, predict: true }, 'predict');
  refused({ ...oneStream, optimize: {} }, 'optimize');
  refused({ ...oneStream, anomaly: undefined }, 'model');
  refused({ ...base, independentVariables: [] }, 'independentVariables');
});
