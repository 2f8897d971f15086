// A window of stream values with the intermediate results several statistics share (the sorted
// copy, the mean, the central moments), each computed once and only if a statistic asks for it.

import { quantileSorted } from 'simple-statistics';

export class Window {
  readonly values: Float64Array;
  readonly n: number;
  #sorted: Float64Array | undefined;
  #mean: number | undefined;
  #m2: number | undefined;

  /** `values` oldest first, already checked to be finite and non-empty. */
  constructor(values: Float64Array) {
    this.values = values;
    this.n = values.length;
  }

  get sorted(): Float64Array {
    if (this.#sorted === undefined) this.#sorted = Float64Array.from(this.values).sort();
    return this.#sorted;
  }

  get oldest(): number {
    return this.values[0];
  }

  get newest(): number {
    return this.values[this.n - 1];
  }

  get sum(): number {
    let s = 0;
    for (let i = 0; i < this.n; i++) s += this.values[i];
    return s;
  }

  get mean(): number {
    if (this.#mean === undefined) {
      // Two passes (sum, then a correction) so that large offsets do not cost precision.
      let s = 0;
      for (let i = 0; i < this.n; i++) s += this.values[i];
      let mean = s / this.n;
      let c = 0;
      for (let i = 0; i < this.n; i++) c += this.values[i] - mean;
      mean += c / this.n;
      this.#mean = mean;
    }
    return this.#mean;
  }

  /** Σ (x − mean)². */
  get sumOfSquares(): number {
    if (this.#m2 === undefined) {
      const mean = this.mean;
      let s = 0;
      for (let i = 0; i < this.n; i++) s += (this.values[i] - mean) ** 2;
      this.#m2 = s;
    }
    return this.#m2;
  }

  /** Sample variance (n − 1); 0 for a window of one value (documented fallback). */
  get variance(): number {
    return this.n < 2 ? 0 : this.sumOfSquares / (this.n - 1);
  }

  get std(): number {
    return Math.sqrt(this.variance);
  }

  /** Quantile p ∈ [0, 1], linear interpolation between order statistics (numpy's default, type 7). */
  quantile(p: number): number {
    // simple-statistics only indexes its argument, so the typed array serves without a copy.
    return quantileSorted(this.sorted as unknown as number[], p);
  }

  get median(): number {
    return this.quantile(0.5);
  }

  /** True when every value equals the first (a flat window). */
  get constant(): boolean {
    const s = this.sorted;
    return s[0] === s[this.n - 1];
  }
}
