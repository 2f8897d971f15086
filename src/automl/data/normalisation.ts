// Standardisation (z-scores) of the independent variables. Fitted on the training rows only and
// kept in the model JSON, so that predictions standardise new rows exactly as training did.

export interface Normalisation {
  mean: number[];
  std: number[];
}

export interface FittedNormalisation extends Normalisation {
  /** Indices of features with zero spread: their std is recorded as 1 so they standardise to 0. */
  constantFeatures: number[];
}

export function fitNormalisation(x: Float64Array, rows: number, features: number): FittedNormalisation {
  const mean = new Float64Array(features);
  for (let r = 0; r < rows; r++) {
    const o = r * features;
    for (let f = 0; f < features; f++) mean[f] += x[o + f];
  }
  for (let f = 0; f < features; f++) mean[f] = rows > 0 ? mean[f] / rows : 0;
  // Two passes (mean, then squared deviations) because one-pass sums cancel badly for large offsets,
  // e.g. timestamps or sensor readings around 10⁶.
  const ss = new Float64Array(features);
  for (let r = 0; r < rows; r++) {
    const o = r * features;
    for (let f = 0; f < features; f++) {
      const d = x[o + f] - mean[f];
      ss[f] += d * d;
    }
  }
  const std: number[] = [];
  const constantFeatures: number[] = [];
  for (let f = 0; f < features; f++) {
    const s = rows > 0 ? Math.sqrt(ss[f] / rows) : 0;
    // Relative threshold: a column is constant when its spread is at rounding level of its magnitude.
    if (!(s > 1e-12 * Math.max(1, Math.abs(mean[f])))) {
      std.push(1);
      constantFeatures.push(f);
    } else std.push(s);
  }
  return { mean: Array.from(mean), std, constantFeatures };
}

/** Writes (x − mean) / std into `out` (may be `x` itself). */
export function standardise(
  x: Float64Array,
  rows: number,
  features: number,
  normalisation: Normalisation,
  out: Float64Array,
): Float64Array {
  const { mean, std } = normalisation;
  for (let r = 0; r < rows; r++) {
    const o = r * features;
    for (let f = 0; f < features; f++) out[o + f] = (x[o + f] - mean[f]) / std[f];
  }
  return out;
}
