// The latest N predictions of a solution as columns for the charts, with the champion changes seen
// in them; and the browser-side update lag (publish time → drawn), kept for the bench.
import type { Marker } from './chart.js';
import type { PredictionPoints } from './types.js';

/** Points in the moving mean absolute error. */
export const MAE_POINTS = 50;

export class PointWindow {
  time: number[] = [];
  prediction: number[] = [];
  actual: Array<number | null> = [];
  error: Array<number | null> = [];
  version: number[] = [];
  champions: Marker[] = [];
  received = 0;
  // the error curve is a moving mean absolute error: single errors are too noisy to show a trend
  readonly #recent: number[] = [];
  #recentSum = 0;
  #algorithm: string | undefined;
  /** Publish-to-arrival lag of recent points, ms. */
  readonly lags: number[] = [];

  constructor(public limit: number) {}

  clear(): void {
    this.time = [];
    this.prediction = [];
    this.actual = [];
    this.error = [];
    this.version = [];
    this.champions = [];
    this.#recent.length = 0;
    this.#algorithm = undefined;
    this.#recentSum = 0;
  }

  add(points: PredictionPoints): void {
    const now = Date.now();
    for (let i = 0; i < points.time.length; i++) {
      const version = points.version[i];
      const algorithm = points.algorithm[i];
      const t = points.time[i] / 1000;
      // a new algorithm is marked; a new version of the same one (a refit on a newer window) is not,
      // or a solution retraining every few seconds would draw a fence
      if (this.#algorithm !== undefined && algorithm !== this.#algorithm) {
        this.champions.push({ x: t, label: `v${version} ${algorithm}`, kind: 'champion' });
      }
      this.#algorithm = algorithm;
      this.time.push(t);
      this.prediction.push(points.prediction[i]);
      const actual = points.actual[i];
      this.actual.push(actual);
      if (actual !== null) {
        const error = Math.abs(actual - points.prediction[i]);
        this.#recent.push(error);
        this.#recentSum += error;
        if (this.#recent.length > MAE_POINTS) this.#recentSum -= this.#recent.shift()!;
      }
      this.error.push(this.#recent.length === 0 ? null : this.#recentSum / this.#recent.length);
      this.version.push(version);
    }
    this.received += points.time.length;
    if (points.at.length > 0) {
      this.lags.push(now - points.at[points.at.length - 1]);
      if (this.lags.length > 2000) this.lags.splice(0, this.lags.length - 2000);
    }
    const over = this.time.length - this.limit;
    if (over > 0) {
      for (const column of [this.time, this.prediction, this.actual, this.error, this.version])
        column.splice(0, over);
      const first = this.time[0];
      this.champions = this.champions.filter((m) => m.x >= first);
    }
  }
}
