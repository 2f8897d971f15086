/**
 * Centred normal equations of a window: G = XcᵀXc / n and c = Xcᵀyc / n, with Xc and yc centred on
 * their means. Built once per fit in O(n·p²); every linear solver (OLS, ridge, lasso, elastic net)
 * then works in O(p²)–O(p³) on G, independent of n. Centring keeps the intercept out of the system,
 * so it is never penalised and the conditioning does not suffer from columns far from zero.
 */
export interface CentredGram {
  features: number;
  gram: Float64Array;
  xty: Float64Array;
  xMean: Float64Array;
  yMean: number;
  /** Σ (y − ȳ)² / n, for the lasso's objective and to detect a constant target. */
  yVariance: number;
}

export function centredGram(x: Float64Array, rows: number, p: number, y: Float64Array): CentredGram {
  const xMean = new Float64Array(p);
  let yMean = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * p;
    for (let j = 0; j < p; j++) xMean[j] += x[o + j];
    yMean += y[r];
  }
  const inv = rows > 0 ? 1 / rows : 0;
  for (let j = 0; j < p; j++) xMean[j] *= inv;
  yMean *= inv;

  const gram = new Float64Array(p * p);
  const xty = new Float64Array(p);
  const d = new Float64Array(p);
  let yVariance = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * p;
    for (let j = 0; j < p; j++) d[j] = x[o + j] - xMean[j];
    const dy = y[r] - yMean;
    yVariance += dy * dy;
    for (let j = 0; j < p; j++) {
      const dj = d[j];
      xty[j] += dj * dy;
      const gj = j * p;
      for (let k = j; k < p; k++) gram[gj + k] += dj * d[k];
    }
  }
  for (let j = 0; j < p; j++) {
    xty[j] *= inv;
    for (let k = j; k < p; k++) {
      const v = gram[j * p + k] * inv;
      gram[j * p + k] = v;
      gram[k * p + j] = v;
    }
  }
  return { features: p, gram, xty, xMean, yMean, yVariance: yVariance * inv };
}
