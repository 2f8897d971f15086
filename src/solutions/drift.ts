// Drift detection on a model's prediction error: the Page-Hinkley test (Page 1954; as in River's
// `drift.PageHinkley`, one-sided, for an increase of the mean). Written here because it is a dozen
// lines of arithmetic and River is Python; MOA's and River's formulation is followed exactly except
// that `delta` and `threshold` are relative to the running mean error, so one setting fits streams of
// any scale (an absolute threshold for errors in kWh would be wrong for errors in °C).

export interface PageHinkleyOptions {
  /** Tolerated increase of the mean error, as a fraction of the running mean (default 0.05). */
  delta?: number;
  /** Alarm level, in units of the running mean error (default 50). */
  threshold?: number;
  /** No alarm before this many observations (default 30: the seed's minimum window). */
  minInstances?: number;
}

export class PageHinkley {
  readonly #delta: number;
  readonly #threshold: number;
  readonly #minInstances: number;
  #count = 0;
  #mean = 0;
  #sum = 0;
  #minSum = 0;
  #alarmStatistic = 0;

  constructor(options: PageHinkleyOptions = {}) {
    this.#delta = options.delta ?? 0.05;
    this.#threshold = options.threshold ?? 50;
    this.#minInstances = options.minInstances ?? 30;
  }

  /** The test statistic: how far the cumulative deviation rose above its minimum, in mean-error units. */
  get statistic(): number {
    return this.#mean > 0 ? (this.#sum - this.#minSum) / this.#mean : 0;
  }

  /** The statistic at the last alarm (the detector restarts at 0 after one). */
  get alarmStatistic(): number {
    return this.#alarmStatistic;
  }

  get observations(): number {
    return this.#count;
  }

  /** Adds one error; true when the mean error has risen (drift). The detector then starts afresh. */
  update(error: number): boolean {
    if (!Number.isFinite(error)) return false;
    this.#count++;
    this.#mean += (error - this.#mean) / this.#count;
    this.#sum += error - this.#mean - this.#delta * this.#mean;
    if (this.#sum < this.#minSum) this.#minSum = this.#sum;
    if (this.#count < this.#minInstances || this.#mean <= 0) return false;
    if (this.#sum - this.#minSum > this.#threshold * this.#mean) {
      this.#alarmStatistic = this.statistic;
      this.reset();
      return true;
    }
    return false;
  }

  reset(): void {
    this.#count = 0;
    this.#mean = 0;
    this.#sum = 0;
    this.#minSum = 0;
  }
}
