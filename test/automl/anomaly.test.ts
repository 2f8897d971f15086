import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assessRisk,
  readPeerGroup,
  ruleHolds,
  scoreAndUpdate,
  scoreSeries,
  scoreValue,
  smoothedZScore,
  trainPeerGroup,
  type StreamScore,
} from '../../src/automl/anomaly/index.js';
// VIPER's flag strings are the VIPER face's; their typed result drives the numerics here.
import { parsePredictionFlags, parseTrainingFlags, streamRule } from '../../src/server/viper/flags.js';
import { InvalidInputError } from '../../src/automl/errors.js';
import { EmptyWindowError, NonFiniteValueError } from '../../src/automl/statistics/errors.js';
import { mulberry32, normal } from '../../src/automl/random.js';

/** N(level, 1) noise, reproducible per seed. */
function noise(length: number, seed: number, level = 10): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length }, () => level + normal(random));
}

const indicesOf = (flags: ArrayLike<boolean | number>): number[] =>
  Array.from(flags).flatMap((f, i) => (f ? [i] : []));

describe('smoothed z-score signals', () => {
  it('signals injected spikes where they are, with their direction, and rarely elsewhere', () => {
    let falseAlarms = 0;
    let points = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const y = noise(1000, seed);
      y[200] += 8;
      y[450] -= 8;
      y[700] += 6;
      const { signals } = smoothedZScore(y, { lag: 20, threshold: 3.5, influence: 0 });
      assert.equal(signals[200], 1, `seed ${seed}: spike up at 200`);
      assert.equal(signals[450], -1, `seed ${seed}: spike down at 450`);
      assert.equal(signals[700], 1, `seed ${seed}: spike up at 700`);
      falseAlarms += indicesOf(signals).filter((i) => ![200, 450, 700].includes(i)).length;
      points += 1000 - 20 - 3;
    }
    // Measured 0.5% for lag 20, threshold 3.5 on Gaussian noise.
    assert.ok(falseAlarms / points < 0.01, `false alarm rate ${falseAlarms / points}`);
  });

  it('signals the start of a level shift, then adapts to the new level (influence 0.5)', () => {
    const y = noise(600, 3);
    for (let i = 300; i < 600; i++) y[i] += 10;
    const { signals } = smoothedZScore(y, { lag: 20, threshold: 3.5, influence: 0.5 });
    assert.equal(signals[300], 1);
    const late = indicesOf(signals.subarray(400));
    assert.ok(late.length <= 3, `still signalling long after the shift: ${late.length}`);
    assert.ok(indicesOf(signals.subarray(20, 300)).length <= 3);
  });

  it('keeps signalling a level shift when influence is 0 (the baseline never moves)', () => {
    const y = noise(400, 4);
    for (let i = 200; i < 400; i++) y[i] += 10;
    const { signals } = smoothedZScore(y, { lag: 20, threshold: 3.5, influence: 0 });
    assert.ok(indicesOf(signals.subarray(200)).length >= 195);
  });

  it('gives no signal on series no longer than the lag', () => {
    const { signals, filtered } = smoothedZScore([1, 2, 100], { lag: 5, threshold: 3, influence: 0.5 });
    assert.deepEqual(Array.from(signals), [0, 0, 0]);
    assert.deepEqual(filtered, [1, 2, 100]);
  });
});

describe('peer groups', () => {
  it('are plain JSON that score identically after a round trip', () => {
    const model = trainPeerGroup('temperature', noise(300, 1));
    const copy = readPeerGroup(JSON.parse(JSON.stringify(model)));
    assert.deepEqual(copy, model);
    assert.deepEqual(scoreValue(copy, 13.7), scoreValue(model, 13.7));
    assert.equal(model.kind, 'peer-group');
    assert.equal(model.lag, 5); // VIPER's defaults
    assert.equal(model.threshold, 3.5);
    assert.equal(model.influence, 0.5);
    assert.equal(model.filtered.length, 5);
    assert.ok(Math.abs(model.window.mean - 10) < 0.2 && Math.abs(model.window.std - 1) < 0.15);
  });

  for (const method of ['zscore', 'robust'] as const) {
    it(`${method}: flags injected spikes in new values with their direction, few false alarms`, () => {
      let falseAlarms = 0;
      for (let seed = 1; seed <= 5; seed++) {
        const model = trainPeerGroup('s', noise(300, seed), { method }); // lag 5, 3.5, 0.5
        const next = noise(400, 100 + seed);
        next[100] += 8;
        next[250] -= 8;
        const { scores } = scoreSeries(model, next);
        assert.equal(scores[100].anomaly, true);
        assert.equal(scores[100].direction, 'up');
        assert.ok(scores[100].score > 3.5 && scores[100].probability > 0.999);
        assert.equal(scores[250].anomaly, true);
        assert.equal(scores[250].direction, 'down');
        assert.ok(scores[250].score < -3.5);
        falseAlarms += scores.filter((s, i) => s.anomaly && i !== 100 && i !== 250).length;
      }
      // Measured ~0.1% at VIPER's defaults (lag 5, threshold 3.5, influence 0.5).
      assert.ok(falseAlarms <= 8, `false alarms: ${falseAlarms} of ${5 * 398}`);
    });
  }

  it('zscore: flags a level shift when it starts and stops once the baseline caught up', () => {
    const model = trainPeerGroup('s', noise(300, 9), { method: 'zscore', influence: 0.5 });
    const next = noise(200, 10);
    for (let i = 100; i < 200; i++) next[i] += 10;
    const { scores } = scoreSeries(model, next);
    assert.equal(scores[100].anomaly, true);
    assert.equal(scores[100].direction, 'up');
    assert.ok(scores.slice(120).every((s) => !s.anomaly));
    assert.ok(scores.slice(0, 100).filter((s) => s.anomaly).length <= 1);
  });

  it('robust: keeps flagging a level shift (the peer group is the window) and ignores outliers in the window', () => {
    const window = noise(300, 11);
    for (let i = 0; i < 300; i += 20) window[i] += 30; // 5% gross outliers
    const robust = trainPeerGroup('s', window, { method: 'robust' });
    assert.ok(Math.abs(robust.window.median - 10) < 0.3);
    // The outliers inflate the window's std (15.5 is within 3.5 of its std), not its MAD.
    assert.ok(robust.window.std > 5);
    assert.equal(scoreValue(robust, 15.5).anomaly, true);
    const next = noise(50, 12, 20);
    assert.ok(scoreSeries(robust, next).scores.every((s) => s.anomaly && s.direction === 'up'));
  });

  it('scoreAndUpdate does not modify the model it is given', () => {
    const model = trainPeerGroup('s', noise(50, 13));
    const before = JSON.stringify(model);
    const { model: next } = scoreAndUpdate(model, 100);
    assert.equal(JSON.stringify(model), before);
    // an anomalous value enters the baseline with weight `influence`
    assert.equal(next.filtered.at(-1), 0.5 * 100 + 0.5 * (model.filtered.at(-1) as number));
    assert.equal(next.filtered.length, model.lag);
  });

  it('parses VIPER training flags, tolerating the spaces a URL leaves behind', () => {
    const flags = parseTrainingFlags(
      'topic=Voltage,topictype=numeric,threshnumber=200,lag=5,zthresh=2.5,influence=0.5~   topic=Current, topictype=numeric ,lag=20,zthresh=3,influence=0,colour=red',
    );
    assert.deepEqual(flags, [
      {
        topic: 'Voltage',
        topictype: 'numeric',
        options: { threshnumber: 200, lag: 5, threshold: 2.5, influence: 0.5 },
        ignored: [],
      },
      {
        topic: 'Current',
        topictype: 'numeric',
        options: { lag: 20, threshold: 3, influence: 0 },
        ignored: ['colour=red'],
      },
    ]);
    // threshnumber keeps the newest values as the peer group
    const model = trainPeerGroup(
      'Voltage',
      Float64Array.from({ length: 300 }, (_, i) => i),
      flags[0].options,
    );
    assert.equal(model.window.count, 200);
    assert.equal(model.window.min, 100);
  });

  it('parses VIPER prediction flags and applies their rules', () => {
    const flags = parsePredictionFlags(
      'riskscore=.6~complete=p50~type=or,topic=Voltage,topictype=numeric,v1<100,sc>4~type=and,topic=Current,topictype=string,stringcontains=1,v2=a^b|c,sc>.6',
    );
    assert.equal(flags.riskscore, 0.6);
    assert.equal(flags.complete, 'p50');
    assert.deepEqual(flags.rules[0], {
      topic: 'Voltage',
      topictype: 'numeric',
      type: 'or',
      conditions: [
        { subject: 'value', operator: '<', threshold: 100 },
        { subject: 'score', operator: '>', threshold: 4 },
      ],
      stringcontains: false,
      ignored: [],
    });
    // the text rule: (a and b) or c, as substrings
    assert.deepEqual(flags.rules[1].ignored, []);
    assert.deepEqual(streamRule(flags.rules[1]).text, { pattern: [['a', 'b'], ['c']], contains: true });
    assert.throws(() => parsePredictionFlags('topic=x,topictype=string,v2=a^^b'), /non-empty/);
    assert.throws(() => parsePredictionFlags('topic=x,topictype=numeric,v2=a'), /topictype=string/);
    assert.throws(() => parsePredictionFlags('topic=x,topictype=string,stringcontains=2'), /0 or 1/);
    const s = (value: number, score: number, anomaly = false): StreamScore => ({
      stream: 'Voltage',
      value,
      score,
      threshold: 3.5,
      anomaly,
      direction: 'none',
      probability: 0,
    });
    assert.equal(ruleHolds(streamRule(flags.rules[0]), s(50, 0)), true); // v1 < 100
    assert.equal(ruleHolds(streamRule(flags.rules[0]), s(150, -5)), true); // |sc| > 4
    assert.equal(ruleHolds(streamRule(flags.rules[0]), s(150, 1)), false);
    const noConditions = streamRule(parsePredictionFlags('topic=x').rules[0]);
    assert.equal(ruleHolds(noConditions, s(1, 9, true)), true);
    assert.equal(ruleHolds(noConditions, s(1, 0, false)), false);
  });
});

describe('overall risk', () => {
  const score = (stream: string, z: number, threshold = 3): StreamScore => ({
    stream,
    value: z,
    score: z,
    threshold,
    anomaly: Math.abs(z) > threshold,
    direction: z > threshold ? 'up' : z < -threshold ? 'down' : 'none',
    probability: 0,
  });

  it('is 0 when every stream behaves as usual, however many there are', () => {
    const many = Array.from({ length: 50 }, (_, i) => score(`s${i}`, (i % 5) - 2));
    assert.deepEqual(assessRisk(many), { risk: 0, anomalousStreams: [], streams: 50, alert: false });
  });

  it('follows the documented formula: severity z²/(z² + t²), combined as 1 − Π(1 − w·s)', () => {
    const one = assessRisk([score('a', 6), score('b', 1), score('c', 0)]);
    assert.ok(Math.abs(one.risk - 36 / 45) < 1e-12);
    assert.deepEqual(one.anomalousStreams, ['a']);
    assert.equal(one.alert, true);
    const two = assessRisk([score('a', 6), score('b', -9)]);
    assert.ok(Math.abs(two.risk - (1 - (1 - 36 / 45) * (1 - 81 / 90))) < 1e-12);
    assert.ok(two.risk > one.risk);
    const weighted = assessRisk([score('a', 6)], { weights: { a: 0.5 } });
    assert.ok(Math.abs(weighted.risk - 0.5 * (36 / 45)) < 1e-12);
  });

  it('raises the alert per riskscore and complete (and, or, pNN)', () => {
    const scores = [score('a', 6), score('b', 1), score('c', 0), score('d', 0)];
    assert.equal(assessRisk(scores, { riskscore: 0.9 }).alert, false); // risk 0.8
    assert.equal(assessRisk(scores, { riskscore: 0.8 }).alert, true);
    assert.equal(assessRisk(scores, { complete: 'and' }).alert, false);
    assert.equal(assessRisk(scores, { complete: 'p25' }).alert, true);
    assert.equal(assessRisk(scores, { complete: 'p50' }).alert, false);
    const all = [score('a', 6), score('b', -7)];
    assert.equal(assessRisk(all, { complete: 'and' }).alert, true);
  });

  it('refuses bad riskscore, complete and weights', () => {
    assert.throws(() => assessRisk([], { riskscore: 2 }), /riskscore must be in \[0, 1\]/);
    assert.throws(() => assessRisk([], { complete: 'most' }), /complete must be/);
    assert.throws(() => assessRisk([score('a', 9)], { weights: { a: -1 } }), /weight of stream 'a'/);
  });
});

describe('anomaly detection: bad input', () => {
  it('refuses NaN/Infinity in the window and in a value to score', () => {
    const w = noise(20, 1);
    w[3] = NaN;
    assert.throws(
      () => trainPeerGroup('s', w),
      (e: unknown) => e instanceof NonFiniteValueError && e.index === 3 && /stream 's'/.test(e.message),
    );
    w[3] = -Infinity;
    assert.throws(() => trainPeerGroup('s', w), NonFiniteValueError);
    const model = trainPeerGroup('s', noise(20, 1));
    assert.throws(() => scoreValue(model, NaN), NonFiniteValueError);
    assert.throws(() => scoreValue(model, Infinity), NonFiniteValueError);
  });

  it('refuses an empty window', () => {
    assert.throws(() => trainPeerGroup('s', new Float64Array(0)), EmptyWindowError);
  });

  it('refuses out-of-range flags', () => {
    const w = noise(20, 1);
    assert.throws(() => trainPeerGroup('s', w, { lag: 0 }), /lag must be an integer ≥ 1/);
    assert.throws(() => trainPeerGroup('s', w, { lag: 2.5 }), /lag must be an integer/);
    assert.throws(
      () => trainPeerGroup('s', w, { threshold: 0 }),
      /threshold \(zthresh\) must be a number > 0/,
    );
    assert.throws(() => trainPeerGroup('s', w, { influence: 1.5 }), /influence must be in \[0, 1\]/);
    assert.throws(() => trainPeerGroup('s', w, { threshnumber: -1 }), /threshnumber/);
    // @ts-expect-error: a wrong method from untyped callers
    assert.throws(() => trainPeerGroup('s', w, { method: 'iforest' }), /method must be/);
    assert.throws(() => parseTrainingFlags('lag=5'), /needs topic=/);
    assert.throws(() => parseTrainingFlags('topic=a,lag=five'), /lag must be a number/);
    assert.throws(() => parseTrainingFlags('topic=a,topictype=image'), /topictype/);
    assert.throws(() => parseTrainingFlags(' ~ '), /flags are empty/);
    assert.throws(() => parsePredictionFlags('complete=most'), /complete must be/);
    assert.throws(() => parsePredictionFlags('type=xor,topic=a'), /type must be/);
  });

  it('refuses peer groups that are not one', () => {
    const model = trainPeerGroup('s', noise(20, 1));
    assert.throws(() => readPeerGroup({ ...model, schemaVersion: 2 }), /schemaVersion/);
    assert.throws(() => readPeerGroup({ kind: 'model' }), /not a peer group/);
    assert.throws(() => readPeerGroup({ ...model, filtered: [] }), InvalidInputError);
    assert.throws(
      () => readPeerGroup({ ...model, window: { ...model.window, std: null } }),
      InvalidInputError,
    );
  });

  it('learns from a single value, recording the fallback', () => {
    const model = trainPeerGroup('s', new Float64Array([5]));
    assert.equal(model.window.count, 1);
    assert.equal(model.window.std, 0);
    assert.ok(model.fallbacks.some((f) => /not more than lag 5/.test(f)));
    assert.equal(scoreValue(model, 5).anomaly, false);
    assert.equal(scoreValue(model, 5.1).anomaly, true);
  });

  it('on a constant window flags any different value with a finite score, and not the same value', () => {
    for (const method of ['zscore', 'robust'] as const) {
      const model = trainPeerGroup('s', new Float64Array(30).fill(2), { method });
      assert.ok(model.fallbacks.some((f) => /constant/.test(f)));
      const same = scoreValue(model, 2);
      assert.deepEqual([same.anomaly, same.score, same.direction], [false, 0, 'none']);
      const lower = scoreValue(model, 1.9);
      assert.equal(lower.anomaly, true);
      assert.equal(lower.direction, 'down');
      assert.ok(Number.isFinite(lower.score) && lower.score < -1e6);
      assert.doesNotThrow(() => JSON.stringify(lower));
    }
  });
});
