// The per-row part of a logistic-regression pass in f64x2 lanes (logistic-solver.ts's evaluateSimd):
// from each row's score z and label t, the log-loss softplus(z) − t·z = max(z, 0) + log1p(e^−|z|)
// − t·z, the class-1 probability σ(z) (1/(1 + e) or e/(1 + e) by the sign of z, e = e^−|z|) and
// the residual σ(z) − t, with exp and log1p evaluated in the lanes (exp-lanes.ts) rather than one
// Math call each per row: in JavaScript they were a quarter of an L-BFGS fit on 5,000 × 50.
import { LaneConstants } from './exp-lanes.js';
import { Body, V128 } from './wasm-module.js';

const I32 = 0x7f;

/**
 * logLoss(scores, labels, pairs, residuals, probabilities, constants, sums): for each pair of rows,
 * writes σ(z) − t and σ(z), and adds the two lanes' losses into sums[0..1] and residuals into
 * sums[2..3] (zeroed first). Byte offsets, 16-aligned; `constants` is exp-lanes.ts's block.
 */
export function logLossSource(): Body {
  const b = new Body(7);
  const [scores, labels, pairs, residuals, probabilities, constants, sums] = [0, 1, 2, 3, 4, 5, 6];
  const at = b.local(I32);
  const end = b.local(I32);
  const [z, t, e, l, q, lossSum, residualSum, zero] = Array.from({ length: 8 }, () => b.local(V128));
  const lanes = new LaneConstants(b);
  lanes.load(constants, 0);
  b.f64Const(0).f64x2Splat().set(zero);
  b.get(zero).set(lossSum);
  b.get(zero).set(residualSum);
  b.get(pairs).i32(16).mul().set(end);
  b.whileLoop(
    (w) => w.get(at).get(end).lessThan(),
    (w) => {
      w.get(scores).get(at).add().v128Load().set(z);
      w.get(labels).get(at).add().v128Load().set(t);
      w.get(z).f64x2Abs().f64x2Neg().set(e);
      lanes.exp(e, e);
      lanes.log1p(e, l);
      // loss = max(z, 0) + log1p(e) − t·z
      w.get(lossSum).get(z).get(zero).f64x2Max().get(l).f64x2Add().get(t).get(z).f64x2Mul().f64x2Sub();
      w.f64x2Add().set(lossSum);
      // σ(z) = (z ≥ 0 ? 1 : e) / (1 + e)
      w.get(lanes.one).get(e).get(z).get(zero).f64x2GreaterEqual().v128Bitselect();
      w.get(lanes.one).get(e).f64x2Add().f64x2Div().set(q);
      w.get(probabilities).get(at).add().get(q).v128Store();
      w.get(q).get(t).f64x2Sub().set(q);
      w.get(residuals).get(at).add().get(q).v128Store();
      w.get(residualSum).get(q).f64x2Add().set(residualSum);
      w.increment(at, 16);
    },
  );
  b.get(sums).get(lossSum).v128Store();
  b.get(sums).get(residualSum).v128Store(16);
  return b;
}
