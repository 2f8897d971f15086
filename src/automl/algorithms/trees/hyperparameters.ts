// Reading hyperparameters strictly: an unknown name is a typo that would otherwise be silently
// ignored, and an absurd value (depth 0, a negative learning rate, NaN) is refused with its name
// and range rather than producing a degenerate model.

import type { Hyperparameters } from '../../algorithm.js';
import { InvalidHyperparameterError } from '../../errors.js';

export class HyperparameterReader {
  private readonly known = new Set<string>();

  constructor(
    private readonly algorithm: string,
    private readonly given: Hyperparameters,
  ) {}

  integer(name: string, fallback: number, min: number, max: number): number {
    const v = this.number(name, fallback, min, max);
    if (!Number.isInteger(v))
      throw new InvalidHyperparameterError(this.algorithm, name, `must be an integer, got ${v}`);
    return v;
  }

  number(name: string, fallback: number, min: number, max: number, minExclusive = false): number {
    this.known.add(name);
    const raw = this.given[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      throw new InvalidHyperparameterError(
        this.algorithm,
        name,
        `must be a finite number, got ${JSON.stringify(raw)}`,
      );
    }
    if (raw < min || raw > max || (minExclusive && raw === min)) {
      const low = minExclusive ? `(${min}` : `[${min}`;
      throw new InvalidHyperparameterError(this.algorithm, name, `must be in ${low}, ${max}], got ${raw}`);
    }
    return raw;
  }

  boolean(name: string, fallback: boolean): boolean {
    this.known.add(name);
    const raw = this.given[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'boolean') {
      throw new InvalidHyperparameterError(
        this.algorithm,
        name,
        `must be true or false, got ${JSON.stringify(raw)}`,
      );
    }
    return raw;
  }

  /** Call after reading every hyperparameter: rejects names the algorithm does not have. */
  rejectUnknown(): void {
    for (const name of Object.keys(this.given)) {
      if (!this.known.has(name)) {
        throw new InvalidHyperparameterError(
          this.algorithm,
          name,
          `is not a hyperparameter of ${this.algorithm} (known: ${[...this.known].join(', ')})`,
        );
      }
    }
  }
}
