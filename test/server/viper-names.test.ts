// One core error, named per face: the VIPER face by VIPER's parameter of that endpoint
// (viper-protocol.md), /v1 by the core's field as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toServerError } from '../../src/server/error-mapping.js';
import { NotFoundError, ParameterError } from '../../src/server/errors.js';
import { viperName, viperNamed } from '../../src/server/viper/names.js';
import { StepInputError, StepNotFoundError } from '../../src/streams/errors.js';

test('a core field maps to the VIPER parameter of the endpoint that received it', () => {
  const cases: Array<[endpoint: string, field: string, viper: string]> = [
    ['viperhpdetraining', 'consumeFrom', 'consumefrom'],
    ['viperhpdetraining', 'timeoutSeconds', 'timeout'],
    ['viperhpdetraining', 'modelruns', 'modelruns'],
    ['viperhpdepredict', 'inputs', 'inputdata'],
    ['viperhpdepredict', 'stream', 'inputdata'],
    ['viperhpdeoptimize', 'minimize', 'ismin'],
    // one core field, three VIPER names on three endpoints
    ['createjointopicstreams', 'streams', 'topicstojoin'],
    ['producetotopicstream', 'streams', 'streamstojoin'],
    ['viperanomalytrain', 'streams', 'streamstoanalyse'],
    // the peer-group target and its producer have their own names on viperanomalytrain only
    ['viperanomalytrain', 'produceTo', 'producepeergroupto'],
    ['viperanomalytrain', 'producerId', 'produceridpeergroup'],
    ['viperanomalypredict', 'produceTo', 'produceto'],
    ['viperanomalypredict', 'inputStream', 'consumeinputstream'],
    ['preprocessproducetotopicstream', 'topic', 'topicname'],
    ['producetotopic', 'topic', 'topic'],
  ];
  for (const [endpoint, field, viper] of cases)
    assert.equal(viperName(endpoint, field), viper, `${endpoint} ${field}`);
});

test("the VIPER face renames a core error's field; /v1 keeps it", () => {
  const core = toServerError(new StepInputError('timeoutSeconds', 'must be from 1 to 86400 seconds, got 0'));
  assert.ok(core instanceof ParameterError);
  assert.equal(core.message, "parameter 'timeoutSeconds' must be from 1 to 86400 seconds, got 0");
  const viper = viperNamed(core, 'viperhpdetraining');
  assert.equal(viper.message, "parameter 'timeout' must be from 1 to 86400 seconds, got 0");

  const missing = toServerError(
    new StepNotFoundError('EMPTY_TOPIC', "topic 'p' holds no peer groups yet", 'consumeFrom'),
  );
  assert.ok(missing instanceof NotFoundError);
  assert.equal(missing.parameter, 'consumeFrom');
  assert.equal((viperNamed(missing, 'viperanomalypredict') as NotFoundError).parameter, 'consumefrom');

  // VIPER's own parameter errors (already in VIPER's names) pass through unchanged
  const own = new ParameterError('consumefrom', 'is required');
  assert.equal(viperNamed(own, 'viperhpdetraining'), own);
});
