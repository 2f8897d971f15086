// The overall risk across several streams scored at the same time, and VIPER's alert rule for it
// (`riskscore=<0-1>~complete=and|or|pNN`, reference/viper-protocol.md §3.5).
//
// Formula (tml's; VIPER does not publish one):
//   severity of stream i   s_i = z_i² / (z_i² + t_i²) if stream i is anomalous, else 0
//                                (z_i its score, t_i its threshold: 0.5 at the threshold, → 1 beyond)
//   risk                   R = 1 − Π_i (1 − w_i · s_i)            (w_i ∈ [0, 1], default 1)
// R is 0 when no stream is anomalous, rises with how far each anomalous stream is and with how many
// there are (a "noisy OR": two streams at their threshold give 0.75), and stays below 1. Streams
// behaving as usual add nothing, so monitoring more streams does not raise the baseline risk.

import { InvalidInputError } from '../errors.js';
import type { StreamScore } from './peer-group.js';

/** VIPER `complete`: all streams anomalous (`and`), any (`or`), or at least NN percent (`pNN`). */
export type Completeness = 'and' | 'or' | `p${number}`;

export interface RiskOptions {
  /** Per-stream weights in [0, 1]; streams not named weigh 1. */
  weights?: Readonly<Record<string, number>>;
  /** VIPER `riskscore`: the risk at or above which an alert is raised. Default 0.5. */
  riskscore?: number;
  /** VIPER `complete`; default `or`. */
  complete?: Completeness | string;
}

export interface RiskAssessment {
  risk: number;
  /** The streams whose value is anomalous, in input order. */
  anomalousStreams: string[];
  streams: number;
  /** True when `complete` holds and risk ≥ riskscore. */
  alert: boolean;
}

export function severity(score: StreamScore): number {
  if (!score.anomaly) return 0;
  const z2 = score.score * score.score;
  const t2 = score.threshold * score.threshold;
  return z2 / (z2 + t2);
}

function requiredShare(complete: string): number {
  const c = complete.trim().toLowerCase();
  if (c === 'or') return 0;
  if (c === 'and') return 1;
  const m = /^p(\d+(?:\.\d+)?)$/.exec(c);
  if (m !== null && Number(m[1]) <= 100) return Number(m[1]) / 100;
  throw new InvalidInputError(`complete must be 'and', 'or' or 'pNN' (a percentage), got '${complete}'`);
}

/** Combines per-stream scores into one risk and decides the alert. */
export function assessRisk(scores: readonly StreamScore[], options: RiskOptions = {}): RiskAssessment {
  const riskscore = options.riskscore ?? 0.5;
  if (!Number.isFinite(riskscore) || riskscore < 0 || riskscore > 1) {
    throw new InvalidInputError(`riskscore must be in [0, 1], got ${String(riskscore)}`);
  }
  const share = requiredShare(options.complete ?? 'or');
  let safe = 1;
  const anomalousStreams: string[] = [];
  for (const s of scores) {
    const w = options.weights?.[s.stream] ?? 1;
    if (!Number.isFinite(w) || w < 0 || w > 1) {
      throw new InvalidInputError(`the weight of stream '${s.stream}' must be in [0, 1], got ${String(w)}`);
    }
    if (s.anomaly) anomalousStreams.push(s.stream);
    safe *= 1 - w * severity(s);
  }
  const risk = 1 - safe;
  const streams = scores.length;
  const enough =
    anomalousStreams.length > 0 && (streams === 0 ? false : anomalousStreams.length / streams >= share);
  return { risk, anomalousStreams, streams, alert: enough && risk >= riskscore };
}
