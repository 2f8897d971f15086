import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParameterError } from '../../src/server/errors.js';
import { ViperParams } from '../../src/server/viper/params.js';
import { parseViperQuery } from '../../src/server/viper/query.js';

function params(query: string, maxValueBytes = 1024 * 1024): ViperParams {
  return new ViperParams(parseViperQuery(query).params, maxValueBytes);
}

function throwsNaming(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ParameterError, `expected a ParameterError, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  });
}

test('integers: decimal text, defaults for empty or missing, errors naming the parameter', () => {
  const p = params('numpartitions=3&brokerport=-999&empty=&bad=abc&frac=1.5&nan=NaN&inf=Infinity&hex=0x10');
  assert.equal(p.int('numpartitions'), 3);
  assert.equal(p.int('brokerport'), -999);
  assert.equal(p.int('empty', { default: 1 }), 1);
  assert.equal(p.int('absent', { default: 7 }), 7);
  throwsNaming(() => p.int('bad'), "parameter 'bad' must be an integer, got 'abc'");
  throwsNaming(() => p.int('frac'), "parameter 'frac' must be an integer, got '1.5'");
  throwsNaming(() => p.int('nan'), "parameter 'nan' must be an integer, got 'NaN'");
  throwsNaming(() => p.int('inf'), "parameter 'inf' must be an integer, got 'Infinity'");
  throwsNaming(() => p.int('hex'), "parameter 'hex' must be an integer, got '0x10'");
  throwsNaming(() => p.int('absent'), "parameter 'absent' is required");
  throwsNaming(() => p.int('numpartitions', { max: 2 }), "parameter 'numpartitions' must be <= 2, got 3");
});

test('an integer beyond 2^53 is refused rather than rounded', () => {
  throwsNaming(
    () => params('offset=9007199254740993').int('offset'),
    "parameter 'offset' is out of range, got '9007199254740993'",
  );
});

test('floats must be finite decimals', () => {
  const p = params('a=1.5&b=-2e3&c=NaN&d=-Infinity&e=1e999&f=.5&g=abc');
  assert.equal(p.float('a'), 1.5);
  assert.equal(p.float('b'), -2000);
  assert.equal(p.float('f'), 0.5);
  throwsNaming(() => p.float('c'), "parameter 'c' must be a finite number, got 'NaN'");
  throwsNaming(() => p.float('d'), "parameter 'd' must be a finite number, got '-Infinity'");
  throwsNaming(() => p.float('e'), "parameter 'e' must be a finite number, got '1e999'");
  throwsNaming(() => p.float('g'), "parameter 'g' must be a finite number, got 'abc'");
});

test('booleans, lists and enums', () => {
  const p = params('tls=1&off=0&bad=2&topics=a,+b,,c&type=Max&wrong=mode');
  assert.equal(p.bool('tls'), true);
  assert.equal(p.bool('off'), false);
  throwsNaming(() => p.bool('bad'), "parameter 'bad' must be 1 or 0, got '2'");
  assert.deepEqual(p.list('topics'), ['a', 'b', 'c']);
  throwsNaming(() => p.list('none'), "parameter 'none' is required");
  assert.equal(p.enum('type', ['max', 'min'] as const), 'max');
  throwsNaming(
    () => p.enum('wrong', ['max', 'min'] as const),
    "parameter 'wrong' must be one of max, min, got 'mode'",
  );
});

test('strings are trimmed, and a value over the size limit is refused by name', () => {
  const p = params('description=++Test+Training++&big=' + 'x'.repeat(200), 100);
  assert.equal(p.string('description'), 'Test Training');
  throwsNaming(() => p.string('big'), "parameter 'big' is 200 bytes, over the limit of 100 bytes");
});

test('error messages show long values shortened and on one line', () => {
  const long = 'a'.repeat(100);
  assert.throws(
    () => params(`n=${long}`).int('n'),
    (e: unknown) =>
      e instanceof Error && e.message === `parameter 'n' must be an integer, got '${'a'.repeat(40)}…'`,
  );
  assert.throws(
    () => params('n=1%0A2').int('n'),
    (e: unknown) => e instanceof Error && !e.message.includes('\n'),
  );
});
