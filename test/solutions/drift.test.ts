import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, normal } from '../../src/automl/random.js';
import { PageHinkley } from '../../src/solutions/drift.js';

/** Absolute errors |N(mean, sd)|, reproducible per seed. */
function errors(count: number, mean: number, sd: number, random: () => number): number[] {
  return Array.from({ length: count }, () => Math.abs(mean + sd * normal(random)));
}

/** Feeds the errors; returns the indices at which the detector fired. */
function alarms(detector: PageHinkley, stream: readonly number[]): number[] {
  const at: number[] = [];
  stream.forEach((e, i) => {
    if (detector.update(e)) at.push(i);
  });
  return at;
}

const SEEDS = [1, 2, 3, 4, 5];

describe('Page-Hinkley on the prediction error', () => {
  it('fires soon after the mean error rises, and not before', () => {
    for (const seed of SEEDS) {
      const random = mulberry32(seed);
      const stream = [...errors(1_000, 1, 0.2, random), ...errors(1_000, 3, 0.5, random)];
      const fired = alarms(new PageHinkley(), stream);
      assert.ok(fired.length > 0, `seed ${seed}: no alarm after the error tripled`);
      const delay = fired[0] - 1_000;
      // With the defaults (threshold 50 mean errors) the rise of 2 mean errors a row needs ~25 rows.
      assert.ok(delay >= 0, `seed ${seed}: alarm at row ${fired[0]}, before the change at 1000`);
      assert.ok(delay <= 50, `seed ${seed}: alarm ${delay} rows after the change`);
    }
  });

  it('raises no alarm on stationary streams of 10,000 errors', () => {
    for (const seed of SEEDS) {
      const narrow = new PageHinkley();
      assert.deepEqual(
        alarms(narrow, errors(10_000, 1, 0.2, mulberry32(seed))),
        [],
        `seed ${seed}, |N(1, .2)|`,
      );
      assert.equal(narrow.observations, 10_000);
      // Half-normal errors (a well-specified model with Gaussian noise) are far more dispersed.
      const halfNormal = new PageHinkley();
      assert.deepEqual(
        alarms(halfNormal, errors(10_000, 0, 1, mulberry32(seed))),
        [],
        `seed ${seed}, |N(0, 1)|`,
      );
    }
  });

  it('is invariant to the scale of the errors (delta and threshold are relative to the mean)', () => {
    const random = mulberry32(7);
    const stream = [...errors(500, 1, 0.2, random), ...errors(500, 3, 0.5, random)];
    const unit = alarms(new PageHinkley(), stream);
    const kilo = alarms(
      new PageHinkley(),
      stream.map((e) => e * 1_000),
    );
    assert.ok(unit.length > 0);
    assert.deepEqual(kilo, unit);
  });

  it('ignores NaN and infinite errors', () => {
    const random = mulberry32(11);
    const detector = new PageHinkley();
    alarms(detector, errors(100, 1, 0.2, random));
    const before = { observations: detector.observations, statistic: detector.statistic };
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.equal(detector.update(bad), false);
    }
    assert.deepEqual({ observations: detector.observations, statistic: detector.statistic }, before);
  });

  it('waits for minInstances before any alarm', () => {
    // The rise at row 100 is detected at row 157 by default; with minInstances 200 not before 200.
    const stream = [...Array<number>(100).fill(1), ...Array<number>(1_000).fill(3)];
    const early = alarms(new PageHinkley(), stream);
    assert.ok(early[0] > 100 && early[0] < 200, `default detector fired at ${early[0]}`);
    const late = alarms(new PageHinkley({ minInstances: 200 }), stream);
    assert.equal(late[0], 199, 'the first alarm comes with the 200th observation');
  });

  it('starts afresh after an alarm and after reset()', () => {
    const random = mulberry32(13);
    const detector = new PageHinkley();
    const stream = [...errors(300, 1, 0.2, random), ...errors(300, 5, 0.5, random)];
    const fired = alarms(detector, stream.slice(0, fired0(stream)));
    assert.equal(fired.length, 1);
    assert.equal(detector.observations, 0, 'the alarm restarts the detector');
    assert.equal(detector.statistic, 0);
    assert.ok(detector.alarmStatistic > 50, `alarm statistic ${detector.alarmStatistic}`);

    alarms(detector, errors(200, 1, 0.2, random));
    alarms(detector, errors(20, 4, 0.2, random));
    assert.ok(detector.statistic > 0);
    detector.reset();
    assert.equal(detector.observations, 0);
    assert.equal(detector.statistic, 0);
    // Afresh: a constant level is the new normal, not a rise.
    assert.deepEqual(alarms(detector, Array<number>(1_000).fill(4)), []);
  });
});

/** The index just after the first alarm of a fresh detector on the stream. */
function fired0(stream: readonly number[]): number {
  const first = alarms(new PageHinkley(), stream)[0];
  assert.ok(first !== undefined, 'the stream must raise an alarm');
  return first + 1;
}
