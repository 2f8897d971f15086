// The split scan of every feature of a node in the WebAssembly SIMD kernel (simd/histogram-kernels.ts,
// scanSource): two features per pass, one per f64x2 lane, so the two running-sum chains advance in
// one instruction each. The kernel answers the bins each lane accepted; they are replayed here
// through the scalar scan's own tests in feature order (grow.ts's scanHistogram), so the best split
// (and every tie) comes out as the scalar scan finds it.
import { SCAN_LANE_BYTES, SCAN_SETTINGS, type HistogramArena } from '../../simd/histogram-kernels.js';

export interface ScanBest {
  gain: number;
  feature: number;
  bin: number;
  leftG: number;
  leftH: number;
  leftCount: number;
}

export interface ScanNode {
  readonly g: number;
  readonly h: number;
  readonly count: number;
  readonly parentScore: number;
}

export interface ScanLimits {
  readonly l2: number;
  readonly minSamplesLeaf: number;
  readonly minChildWeight: number;
}

export interface ScanLayout {
  readonly settingsAt: number;
  readonly outAt: number;
  /** 256 bins of zeros: the second lane of a feature that has no partner of the same bin count. */
  readonly zerosAt: number;
}

/**
 * Scans the features `active` of the histogram at byte offset histAt (minus the one at minusAt
 * first, when minusAt ≥ 0, written back into hist) and updates `best` as grow.ts's scans would.
 */
export function scanInKernel(
  arena: HistogramArena,
  layout: ScanLayout,
  histAt: number,
  minusAt: number,
  active: Int32Array,
  binCount: Int32Array,
  binOffset: Int32Array,
  node: ScanNode,
  limits: ScanLimits,
  best: ScanBest,
): void {
  const { f64, i32 } = arena;
  const s = layout.settingsAt / 8;
  f64[s + SCAN_SETTINGS.g / 8] = node.g;
  f64[s + SCAN_SETTINGS.h / 8] = node.h;
  f64[s + SCAN_SETTINGS.countLimit / 8] = node.count - limits.minSamplesLeaf;
  f64[s + SCAN_SETTINGS.parentScore / 8] = node.parentScore;
  f64[s + SCAN_SETTINGS.l2 / 8] = limits.l2;
  f64[s + SCAN_SETTINGS.minLeaf / 8] = limits.minSamplesLeaf;
  f64[s + SCAN_SETTINGS.minWeight / 8] = limits.minChildWeight;
  const kernel = minusAt >= 0 ? arena.subtractScan : arena.scan;
  const counts = (layout.outAt + 2 * SCAN_LANE_BYTES) / 4;
  for (let i = 0; i < active.length;) {
    const a = active[i];
    const bins = binCount[a];
    const paired = i + 1 < active.length && binCount[active[i + 1]] === bins;
    const b = paired ? active[i + 1] : -1;
    f64[s + SCAN_SETTINGS.bestGain / 8] = best.gain;
    const pa = histAt + binOffset[a] * 24;
    const pb = paired ? histAt + binOffset[b] * 24 : layout.zerosAt;
    const ma = minusAt >= 0 ? minusAt + binOffset[a] * 24 : pa;
    const mb = minusAt >= 0 && paired ? minusAt + binOffset[b] * 24 : pb;
    kernel(pa, pb, ma, mb, bins, layout.settingsAt, layout.outAt);
    if (minusAt >= 0) {
      // The last bin, which no split leaves on the right, still owes its subtraction.
      subtractLast(f64, pa / 8, ma / 8, bins);
      if (paired) subtractLast(f64, pb / 8, mb / 8, bins);
    }
    replay(f64, layout.outAt / 8, i32[counts], a, node, limits, best);
    if (paired) replay(f64, (layout.outAt + SCAN_LANE_BYTES) / 8, i32[counts + 1], b, node, limits, best);
    i += paired ? 2 : 1;
  }
}

function subtractLast(f64: Float64Array, hist: number, minus: number, bins: number): void {
  const k = (bins - 1) * 3;
  const c = f64[hist + k + 2] - f64[minus + k + 2];
  f64[hist + k + 2] = c;
  f64[hist + k] = c === 0 ? 0 : f64[hist + k] - f64[minus + k];
  f64[hist + k + 1] = c === 0 ? 0 : f64[hist + k + 1] - f64[minus + k + 1];
}

/** The scalar scan's tests on the accepted bins [bin, gl, hl, cl] at f64[at …], in bin order. */
function replay(
  f64: Float64Array,
  at: number,
  records: number,
  f: number,
  node: ScanNode,
  limits: ScanLimits,
  best: ScanBest,
): void {
  const { g, h, count, parentScore } = node;
  const { l2, minSamplesLeaf: minLeaf, minChildWeight: minWeight } = limits;
  let threshold = best.gain + parentScore;
  for (let r = 0; r < records; r++, at += 4) {
    const gl = f64[at + 1];
    const hl = f64[at + 2];
    const cl = f64[at + 3];
    if (cl < minLeaf) continue;
    if (count - cl < minLeaf) break;
    const hr = h - hl;
    if (hl < minWeight || hr < minWeight) continue;
    const gr = g - gl;
    const dl = hl + l2;
    const dr = hr + l2;
    if (gl * gl * dr + gr * gr * dl <= threshold * dl * dr * (1 - 1e-12)) continue;
    const leftScore = (gl * gl) / (hl + l2);
    const rightScore = (gr * gr) / (hr + l2);
    const gain = leftScore + rightScore - parentScore;
    if (gain > best.gain && gain > 1e-10 * (leftScore + rightScore + parentScore)) {
      best.gain = gain;
      threshold = gain + parentScore;
      best.feature = f;
      best.bin = f64[at];
      best.leftG = gl;
      best.leftH = hl;
      best.leftCount = cl;
    }
  }
}
