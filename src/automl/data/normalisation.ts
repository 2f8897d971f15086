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
  // Four rows per pass over the features, each sum still taken row after row (the same additions in
  // the same order as one row at a time): each accumulator is loaded and stored once per four rows.
  const p = features;
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const o = r * p;
    for (let f = 0; f < p; f++)
      mean[f] = mean[f] + x[o + f] + x[o + p + f] + x[o + 2 * p + f] + x[o + 3 * p + f];
  }
  for (; r < rows; r++) {
    const o = r * p;
    for (let f = 0; f < p; f++) mean[f] += x[o + f];
  }
  for (let f = 0; f < features; f++) mean[f] = rows > 0 ? mean[f] / rows : 0;
  // Two passes (mean, then squared deviations) because one-pass sums cancel badly for large offsets,
  // e.g. timestamps or sensor readings around 10⁶.
  const ss = new Float64Array(features);
  r = 0;
  for (; r + 3 < rows; r += 4) {
    const o = r * p;
    for (let f = 0; f < p; f++) {
      const m = mean[f];
      const d0 = x[o + f] - m;
      const d1 = x[o + p + f] - m;
      const d2 = x[o + 2 * p + f] - m;
      const d3 = x[o + 3 * p + f] - m;
      ss[f] = ss[f] + d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
    }
  }
  for (; r < rows; r++) {
    const o = r * p;
    for (let f = 0; f < p; f++) {
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
