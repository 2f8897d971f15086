import type { Dataset } from '../dataset.js';

/** Rows [start, end) as a Dataset view: row-major storage makes a time range a zero-copy subarray. */
export function sliceRows(data: Dataset, start: number, end: number): Dataset {
  return {
    rows: end - start,
    features: data.features,
    x: data.x.subarray(start * data.features, end * data.features),
    y: data.y.subarray(start, end),
    featureNames: data.featureNames,
    targetName: data.targetName,
  };
}

/**
 * Drops every row whose features or target is NaN or ±Infinity. Non-finite values must never reach a
 * learner: one NaN turns every coefficient of a least-squares fit into NaN.
 */
export function dropNonFiniteRows(data: Dataset): { data: Dataset; droppedRows: number } {
  const p = data.features;
  let keep = 0;
  const ok = new Uint8Array(data.rows);
  for (let r = 0; r < data.rows; r++) {
    let finite = Number.isFinite(data.y[r]);
    for (let f = 0; finite && f < p; f++) finite = Number.isFinite(data.x[r * p + f]);
    if (finite) {
      ok[r] = 1;
      keep++;
    }
  }
  if (keep === data.rows) return { data, droppedRows: 0 };
  const x = new Float64Array(keep * p);
  const y = new Float64Array(keep);
  let w = 0;
  for (let r = 0; r < data.rows; r++) {
    if (!ok[r]) continue;
    x.set(data.x.subarray(r * p, (r + 1) * p), w * p);
    y[w++] = data.y[r];
  }
  return {
    data: { rows: keep, features: p, x, y, featureNames: data.featureNames, targetName: data.targetName },
    droppedRows: data.rows - keep,
  };
}
