// The statistics of text, times, points and the records' timestamps, each against a hand-worked value.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeSampleStatistics,
  EmptyWindowError,
  UnknownStatisticError,
  UnparsableValueError,
  type SampleValue,
} from '../../src/automl/statistics/index.js';
import { InvalidInputError } from '../../src/automl/errors.js';

const NOW = Date.UTC(2024, 2, 1, 12, 0, 0); // 2024-03-01T12:00:00Z
const sample = (
  values: SampleValue[],
  timestamps = values.map((_, i) => NOW - 1000 * (values.length - i)),
) => ({
  values,
  timestamps,
});
const stat = (name: string, values: SampleValue[], timestamps?: number[]) =>
  computeSampleStatistics([name], sample(values, timestamps), { now: NOW })[name.toUpperCase()];
const near = (actual: unknown, expected: number, tolerance: number) =>
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= tolerance,
    `${String(actual)} ≠ ${expected}`,
  );

describe('statistics over text, times and points', () => {
  it('counts, compares and measures text', () => {
    const words = ['a', 'b', 'a', 'c'];
    assert.equal(stat('COUNT', words), 4);
    assert.equal(stat('COUNTSTR', words), 4);
    assert.equal(stat('UNIQUESTR', words), 0);
    assert.equal(stat('UNIQUESTR', ['a', 'b', 'c']), 1);
    assert.equal(stat('UNIQUESTRCOUNT', words), 3);
    assert.equal(stat('VARIED', words), 1);
    assert.equal(stat('VARIED', ['x', 'x']), 0);
    assert.equal(stat('ENTROPY', words), 1.5); // p = 1/2, 1/4, 1/4
    assert.equal(stat('RAW', words), 'c');
    assert.equal(stat('CONSISTENCY', words), 1);
  });

  it('CONSISTENCY is 0 for a window mixing numbers and text; COUNTSTR counts the text', () => {
    assert.equal(stat('CONSISTENCY', [1, 'x', 2]), 0);
    assert.equal(stat('CONSISTENCY', [1, 2.5, -3]), 1);
    assert.equal(stat('COUNTSTR', [1, 'x', 2]), 1);
  });

  it('computes numeric statistics when every value is a number', () => {
    assert.equal(stat('AVG', [2, 4, 9]), 5);
    assert.equal(stat('outliers10-90', [2, 4, 4, 4, 5, 5, 7, 9]), 0);
  });

  it('TIMEDIFF and AVGTIMEDIFF in seconds, across a leap day', () => {
    const times = ['2024-03-01T10:00:00', '2024-03-01T10:00:30', '2024-03-01T10:02:00'];
    assert.equal(stat('TIMEDIFF', times), 120);
    assert.equal(stat('AVGTIMEDIFF', times), 60); // gaps 30 s and 90 s
    // 2024 is a leap year: 23:59:59 on 28 February to 00:00:01 on 1 March is one day and 2 s
    assert.equal(stat('Timediff', ['2024-02-28T23:59:59', '2024-03-01T00:00:01']), 86_402);
    assert.equal(stat('AVGTIMEDIFF', ['2024-02-28T23:59:59']), 0);
    // a zone in the value is honoured: 12:00+02:00 is 10:00Z
    assert.equal(stat('TIMEDIFF', ['2024-03-01T09:00:00Z', '2024-03-01T12:00:00+02:00']), 3600);
  });

  it('GEODIFF: great-circle km between the oldest and the newest point', () => {
    // one degree of longitude on the equator: R·π/180 = 6371.0088 · 0.01745329 = 111.19508 km
    near(stat('GEODIFF', ['0:0', '10:10', '0:1']), 111.19508, 1e-4);
    // pole to pole: π·R = 20015.114 km
    near(stat('GEODIFF', ['90:0', '-90:0']), 20015.114, 1e-3);
    // Paris (48.8566, 2.3522) to London (51.5074, −0.1278): 343.5 km on the sphere (haversine)
    near(stat('GEODIFF', ['48.8566,2.3522', '51.5074,-0.1278']), 343.56, 0.1);
  });

  it('DATAAGE_[utcoffset]_[unit]: the newest time against now at UTC + offset', () => {
    // 12:30 at UTC+1 is 11:30Z, 30 minutes before 12:00Z
    assert.equal(stat('DATAAGE_1_minute', ['2024-03-01T11:00:00', '2024-03-01T12:30:00']), 30);
    assert.equal(stat('Dataage_0_minutes', ['2024-03-01T12:30:00']), -30);
    // 02:00 at UTC−5 is 07:00Z: 5 hours
    assert.equal(stat('DATAAGE_-5_hour', ['2024-03-01T02:00:00']), 5);
    // a numeric stream: the newest record's timestamp (90 s ago), the offset is moot
    assert.equal(stat('DATAAGE_3_second', [1, 2], [NOW - 120_000, NOW - 90_000]), 90);
    assert.equal(stat('DATAAGE_0_day', [1], [NOW - 36 * 3_600_000]), 1.5);
  });

  describe('bad input', () => {
    const fails = (name: string, values: SampleValue[], check: (e: Error) => boolean) =>
      assert.throws(
        () => stat(name, values),
        (e: Error) => check(e),
        `${name} over ${values.join('|')}`,
      );

    it('names the text where a number is needed', () => {
      fails(
        'AVG',
        [1, 'hot', 3],
        (e) =>
          e instanceof UnparsableValueError &&
          e.index === 1 &&
          /'hot' at position 1 is not a number/.test(e.message),
      );
    });

    it('names a time or a point that does not parse', () => {
      fails('TIMEDIFF', ['2024-02-30T10:00:00', '2024-03-01T10:00:00'], (e) =>
        /'2024-02-30T10:00:00' at position 0 is not a time/.test(e.message),
      );
      fails('AVGTIMEDIFF', ['2024-03-01T10:00:00', '10:00'], (e) => /'10:00' at position 1/.test(e.message));
      fails('TIMEDIFF', [5, 6], (e) => /'5' at position 0 is not a time/.test(e.message));
      fails('GEODIFF', ['91:0', '0:0'], (e) => /'91:0' at position 0 is not a point/.test(e.message));
      fails('GEODIFF', ['0:0', 'north'], (e) => /'north' at position 1/.test(e.message));
      fails('DATAAGE_0_minute', ['yesterday'], (e) =>
        /'yesterday' at position 0 is not a time/.test(e.message),
      );
    });

    it('names a malformed DATAAGE and an unknown statistic', () => {
      fails(
        'DATAAGE_1_fortnight',
        ['2024-03-01T10:00:00'],
        (e) => e instanceof InvalidInputError && /DATAAGE_\[utc offset/.test(e.message),
      );
      fails('DATAAGE_x_minute', ['2024-03-01T10:00:00'], (e) => e instanceof InvalidInputError);
      fails('MEDIANSTR', ['a'], (e) => e instanceof UnknownStatisticError && /COUNTSTR/.test(e.message));
    });

    it('refuses an empty window, and checks every name first', () => {
      assert.throws(() => computeSampleStatistics(['COUNTSTR'], sample([])), EmptyWindowError);
      assert.throws(() => computeSampleStatistics(['AVG', 'NOPE'], sample([])), UnknownStatisticError);
    });
  });
});
