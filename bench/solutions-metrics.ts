// The two figures of the solutions benchmark, computed from the recorded traces.
//
// Retrain deadline: a solution retraining every P ms owes a retrain at P after the start of its
// previous one (that is how the runner schedules it). A deadline d is met when the next retrain
// starts by d + tolerance; while a solution is late, every further P that passes is one more missed
// deadline. Only deadlines falling inside the measured period are judged.
//
// Freshness: for each input row r appended at t_r, the first published prediction made by a model
// that learnt from r — the champion version whose window (lineage offsets) includes r's offset — at
// its transaction's commit time t_p; freshness = t_p − t_r. `decided` is the weaker reading: the
// first prediction published after a retrain whose window included r, whether that retrain
// replaced the champion or kept it (a kept champion was judged better on the newest rows, r among
// them, but did not learn from r).
import type { SolutionTrace } from './solutions-recorder.js';

export interface DeadlineStats {
  deadlines: number;
  met: number;
  missed: number;
  /** met / deadlines. */
  metFraction: number;
  /** How late retrains started after their due time (ms; negative = early, e.g. a drift retrain). */
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}

export function retrainDeadlines(
  traces: readonly SolutionTrace[],
  from: number,
  to: number,
  periodMs: number,
  toleranceMs: number,
): DeadlineStats {
  let met = 0;
  let missed = 0;
  const lateness: number[] = [];
  for (const trace of traces) {
    const starts = trace.retrains.map((r) => r.startedAt).sort((a, b) => a - b);
    for (let k = 0; k < starts.length; k++) {
      const previous = starts[k];
      const next = k + 1 < starts.length ? starts[k + 1] : Infinity;
      if (next >= from && next <= to) lateness.push(next - (previous + periodMs));
      // The retrain at `next` meets the deadline it is within tolerance of; each deadline that
      // passed (by more than the tolerance) before it is one missed. A late retrain is not early
      // for the next grid point: the runner schedules the next one from its actual start.
      for (let due = previous + periodMs; due <= to - toleranceMs; due += periodMs) {
        const onTime = next <= due + toleranceMs;
        if (due >= from) {
          if (onTime) met++;
          else missed++;
        }
        if (onTime || due + periodMs >= next) break;
      }
    }
  }
  const deadlines = met + missed;
  lateness.sort((a, b) => a - b);
  return {
    deadlines,
    met,
    missed,
    metFraction: deadlines === 0 ? 0 : met / deadlines,
    latenessP50Ms: percentile(lateness, 50),
    latenessP99Ms: percentile(lateness, 99),
    latenessMaxMs: lateness.length === 0 ? Number.NaN : lateness[lateness.length - 1],
  };
}

export interface FreshnessStats {
  rows: number;
  /** Rows with no qualifying prediction by the end of the run (counted as infinitely late). */
  censored: number;
  p50Ms: number;
  p99Ms: number;
}

export interface Freshness {
  strict: FreshnessStats;
  decided: FreshnessStats;
}

/**
 * `appendedAt[s][i]`: when row i (offset i in each of solution s's input topics) was appended, or
 * NaN for rows outside the measurement (the preloaded window).
 */
export function freshness(
  traces: readonly SolutionTrace[],
  appendedAt: readonly (readonly number[])[],
  from: number,
  to: number,
): Freshness {
  const strict: number[] = [];
  const decided: number[] = [];
  traces.forEach((trace, s) => {
    const rows = appendedAt[s];
    // first commit of a prediction by each version, then the earliest by any version >= v
    const firstByVersion = new Map<number, number>();
    let maxVersion = 0;
    for (let p = 0; p < trace.predictionVersion.length; p++) {
      const v = trace.predictionVersion[p];
      const at = trace.predictionCommittedAt[p];
      if (Number.isNaN(at)) continue;
      if (!firstByVersion.has(v)) firstByVersion.set(v, at);
      if (v > maxVersion) maxVersion = v;
    }
    const firstAtLeast: number[] = new Array<number>(maxVersion + 2).fill(Infinity);
    for (let v = maxVersion; v >= 0; v--) {
      firstAtLeast[v] = Math.min(firstAtLeast[v + 1], firstByVersion.get(v) ?? Infinity);
    }
    const promoted = trace.retrains.filter((r) => r.promoted && r.window !== undefined);
    const trained = trace.retrains.filter((r) => r.trained && r.window !== undefined);
    let pi = 0;
    let ti = 0;
    for (let i = 0; i < rows.length; i++) {
      const t = rows[i];
      if (!(t >= from && t <= to)) continue;
      // windows only move forward: the first retrain whose window reaches row i is the one
      while (pi < promoted.length && promoted[pi].window![1] < i) pi++;
      while (ti < trained.length && trained[ti].window![1] < i) ti++;
      const version = pi < promoted.length ? promoted[pi].version : undefined;
      strict.push(version === undefined ? Infinity : (firstAtLeast[version] ?? Infinity) - t);
      decided.push(ti < trained.length ? firstPredictionAfter(trace, trained[ti].seq) - t : Infinity);
    }
  });
  return { strict: summarise(strict), decided: summarise(decided) };
}

/** Commit time of the first published prediction made after the event numbered `seq`. */
function firstPredictionAfter(trace: SolutionTrace, seq: number): number {
  const seqs = trace.predictionSeq;
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid] <= seq) lo = mid + 1;
    else hi = mid;
  }
  for (let p = lo; p < seqs.length; p++) {
    const at = trace.predictionCommittedAt[p];
    if (!Number.isNaN(at)) return at;
  }
  return Infinity;
}

function summarise(values: number[]): FreshnessStats {
  values.sort((a, b) => a - b);
  return {
    rows: values.length,
    censored: values.filter((v) => v === Infinity).length,
    p50Ms: percentile(values, 50),
    p99Ms: percentile(values, 99),
  };
}

/** Nearest-rank percentile of sorted values (NaN when empty; Infinity when it falls on a censored value). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
