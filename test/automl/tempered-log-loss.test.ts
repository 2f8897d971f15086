// The tempered log-loss classification candidates are ranked by (src/automl/tempered-log-loss.ts):
// hand-worked optima inside and at the bounds of the temperature range, and a brute-force scan of
// the temperatures on random probabilities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logLoss } from '../../src/automl/metrics.js';
import { mulberry32 } from '../../src/automl/random.js';
import { TEMPERATURE_RANGE, temperedLogLoss } from '../../src/automl/tempered-log-loss.js';

const f = (v: number[]): Float64Array => Float64Array.from(v);
const close = (got: number, expected: number, tolerance = 1e-9) =>
  assert.ok(
    Math.abs(got - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${got} against ${expected}`,
  );

test('an inside optimum: three rows right and one wrong at p = 0.9 are best at t = ln 3 / ln 9 = ½', () => {
  // k right rows and j wrong ones, all with |logit| m: the loss is least where e^(t·m) = k/j, so
  // σ(t·m) = ¾: (3·ln(4/3) + ln 4) / 4.
  const actual = f([1, 0, 1, 0]);
  const p = f([0.9, 0.1, 0.9, 0.9]);
  close(temperedLogLoss(actual, p), (3 * Math.log(4 / 3) + Math.log(4)) / 4);
  // At p = 0.75 the same rows are calibrated already (t = 1): the plain log-loss.
  const calibrated = f([0.75, 0.25, 0.75, 0.75]);
  close(temperedLogLoss(actual, calibrated), logLoss(actual, calibrated));
});

test('at the bounds: soft right answers are sharpened 4×, a coin toss stays ln 2', () => {
  // Every row right at 0.6: sharper is always better, up to t = 4, where σ(4·logit 0.6) = 1.5⁴/(1 + 1.5⁴).
  const actual = f([1, 0, 1]);
  close(temperedLogLoss(actual, f([0.6, 0.4, 0.6])), Math.log(1 + 1.5 ** -TEMPERATURE_RANGE));
  // Every row wrong at 0.8: softer is better, down to t = ¼: σ(−¼·logit 0.8) = 1/(1 + 4^¼).
  close(temperedLogLoss(actual, f([0.2, 0.8, 0.2])), Math.log(1 + 4 ** (1 / TEMPERATURE_RANGE)));
  close(temperedLogLoss(actual, f([0.5, 0.5, 0.5])), Math.log(2));
});

test('random probabilities: the minimum of a fine scan over the temperatures, never above log-loss', () => {
  const random = mulberry32(5);
  for (let trial = 0; trial < 10; trial++) {
    const n = 5 + Math.floor(random() * 200);
    const actual = new Float64Array(n);
    const p = new Float64Array(n);
    // Some sets sharp, some soft, some with certain (0 or 1) probabilities, clipped as log-loss clips.
    const power = 0.2 + random() * 4;
    for (let i = 0; i < n; i++) {
      actual[i] = random() < 0.5 ? 1 : 0;
      const u = random();
      const right = random() < 0.8;
      const q = 0.5 + 0.5 * u ** power;
      p[i] =
        trial % 5 === 0 && i % 7 === 0
          ? right === (actual[i] === 1)
            ? 1
            : 0
          : right === (actual[i] === 1)
            ? q
            : 1 - q;
    }
    let best = Infinity;
    const steps = 20_000;
    for (let k = 0; k <= steps; k++) {
      const t = Math.exp(Math.log(TEMPERATURE_RANGE) * ((2 * k) / steps - 1));
      let s = 0;
      for (let i = 0; i < n; i++) {
        const c = Math.min(1 - 1e-15, Math.max(1e-15, p[i]));
        const z = t * Math.log(c / (1 - c));
        // σ(z) and 1 − σ(z) = σ(−z), each from its own exponential (no cancellation).
        s -= actual[i] === 1 ? Math.log(1 / (1 + Math.exp(-z))) : Math.log(1 / (1 + Math.exp(z)));
      }
      best = Math.min(best, s / n);
    }
    const got = temperedLogLoss(actual, p);
    close(got, best, 1e-7);
    assert.ok(got <= logLoss(actual, p) + 1e-12);
  }
  assert.equal(temperedLogLoss(f([]), f([])), 0);
});
