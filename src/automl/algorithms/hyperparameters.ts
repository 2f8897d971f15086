import { InvalidHyperparameterError } from '../errors.js';
import type { Hyperparameters } from '../algorithm.js';

interface NumberDomain {
  min?: number;
  /** True when `min` itself is excluded (e.g. a length scale must be > 0). */
  exclusiveMin?: boolean;
  max?: number;
  integer?: boolean;
}

/**
 * Reads a numeric hyperparameter, falling back to `fallback` when absent, and rejects values outside
 * its domain with an error naming the algorithm and the hyperparameter: absurd settings (negative k,
 * λ < 0) are a caller's mistake, not something to repair silently.
 */
export function numberParameter(
  algorithm: string,
  hyperparameters: Hyperparameters,
  name: string,
  fallback: number,
  domain: NumberDomain = {},
): number {
  const raw = hyperparameters[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    throw new InvalidHyperparameterError(algorithm, name, `must be a finite number, got ${String(raw)}`);
  }
  if (domain.integer && !Number.isInteger(raw)) {
    throw new InvalidHyperparameterError(algorithm, name, `must be an integer, got ${raw}`);
  }
  if (domain.min !== undefined && (raw < domain.min || (domain.exclusiveMin && raw === domain.min))) {
    throw new InvalidHyperparameterError(
      algorithm,
      name,
      `must be ${domain.exclusiveMin ? '>' : '≥'} ${domain.min}, got ${raw}`,
    );
  }
  if (domain.max !== undefined && raw > domain.max) {
    throw new InvalidHyperparameterError(algorithm, name, `must be ≤ ${domain.max}, got ${raw}`);
  }
  return raw;
}

export function choiceParameter<T extends string>(
  algorithm: string,
  hyperparameters: Hyperparameters,
  name: string,
  fallback: T,
  choices: readonly T[],
): T {
  const raw = hyperparameters[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new InvalidHyperparameterError(
      algorithm,
      name,
      `must be one of ${choices.join(', ')}, got ${String(raw)}`,
    );
  }
  return raw as T;
}

export function booleanParameter(
  algorithm: string,
  hyperparameters: Hyperparameters,
  name: string,
  fallback: boolean,
): boolean {
  const raw = hyperparameters[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'boolean') {
    throw new InvalidHyperparameterError(algorithm, name, `must be true or false, got ${String(raw)}`);
  }
  return raw;
}
