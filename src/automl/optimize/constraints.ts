// VIPER's optimization bounds: `constraints` (`best`, or `var:min:max,...`) and `constrainttype`
// (reference/viper-protocol.md §4.3). VIPER documents the types in one line each; what tml does
// for each is stated here and is the contract.

import { InvalidInputError } from '../errors.js';
import { NonFiniteValueError } from '../statistics/errors.js';
import type { Bounds } from './bounds.js';
import type { ColumnStats } from './column-stats.js';
import { InvalidBoundsError, InvalidConstraintsError, UnknownVariableError } from './errors.js';

export type ConstraintType = 1 | 2 | 3;

/**
 * Type 2's half-width in standard deviations. VIPER says only "min/max adjusted by standard
 * deviation"; tml narrows the data's range to mean ± 2·std (never wider than min/max), keeping the
 * search where the window has data: optimizers otherwise exploit the model's errors at the edges
 * (reference/ml-stack.md §5). Type 3 is the one that widens.
 */
export const STD_MULTIPLIER = 2;

/** `UserDetails.ConstraintType` text: type 1 as VIPER printed it; 2 and 3 are tml's wording. */
export const CONSTRAINT_TYPE_LABELS: Readonly<Record<ConstraintType, string>> = {
  1: 'USE min/max for bounds',
  2: 'USE min/max adjusted by standard deviation for bounds',
  3: 'USE stretched min/max for bounds',
};

export interface BoundsRequest {
  /** One per model variable, in the model's order. */
  stats: readonly ColumnStats[];
  /** `best` (or empty): every variable from `constraintType`; else `var:min:max,...` for some. */
  constraints?: string;
  /** 1: the data's min/max; 2: min/max narrowed to mean ± 2·std; 3: min/max stretched. Default 1. */
  constraintType?: number;
  /** Type 3: percent of each variable's range added below min and above max. Default 20. */
  stretchBounds?: number;
}

export interface ResolvedBounds {
  bounds: Bounds;
  constraintType: ConstraintType;
  /** Variables whose bounds came from `constraints` rather than `constraintType`. */
  userConstrained: string[];
}

/** Parses `var:min:max,...` against the model's variable names; `best` or empty gives none. */
export function parseConstraints(
  text: string | undefined,
  variables: readonly string[],
): Map<number, { min: number; max: number }> {
  const parsed = new Map<number, { min: number; max: number }>();
  const trimmed = (text ?? '').trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'best') return parsed;
  for (const raw of trimmed.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    // The name may itself hold ':' (topic-derived names do), so min and max are the last two fields.
    const parts = item.split(':');
    const minText = parts.length >= 3 ? parts[parts.length - 2].trim() : '';
    const maxText = parts.length >= 3 ? parts[parts.length - 1].trim() : '';
    const name = parts.slice(0, -2).join(':').trim();
    const min = Number(minText);
    const max = Number(maxText);
    if (name === '' || minText === '' || maxText === '' || Number.isNaN(min) || Number.isNaN(max)) {
      throw new InvalidConstraintsError(
        `constraints must be 'best' or 'variable:min:max,...' with numeric min and max; cannot read '${item}'`,
      );
    }
    const index = findVariable(name, variables);
    if (parsed.has(index)) {
      throw new InvalidConstraintsError(`constraints give '${variables[index]}' more than once`);
    }
    if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
      throw new InvalidBoundsError(variables[index], min, max);
    }
    parsed.set(index, { min, max });
  }
  return parsed;
}

function findVariable(name: string, variables: readonly string[]): number {
  const exact = variables.indexOf(name);
  if (exact >= 0) return exact;
  const folded = name.toLowerCase();
  const matches = variables.flatMap((v, i) => (v.toLowerCase() === folded ? [i] : []));
  if (matches.length === 1) return matches[0];
  throw new UnknownVariableError(name, variables);
}

/** The search box for a model's variables from VIPER's parameters. */
export function resolveBounds(request: BoundsRequest): ResolvedBounds {
  const { stats } = request;
  const type = request.constraintType ?? 1;
  if (type !== 1 && type !== 2 && type !== 3) {
    throw new InvalidInputError(`constrainttype must be 1, 2 or 3, got ${String(type)}`);
  }
  const stretch = request.stretchBounds ?? 20;
  if (!Number.isFinite(stretch) || stretch < 0) {
    throw new InvalidInputError(`stretchbounds must be a percentage ≥ 0, got ${String(stretch)}`);
  }
  const variables = stats.map((s) => s.variable);
  const user = parseConstraints(request.constraints, variables);
  const lower = new Float64Array(stats.length);
  const upper = new Float64Array(stats.length);
  stats.forEach((s, j) => {
    for (const [key, v] of [
      ['min', s.min],
      ['max', s.max],
      ['mean', s.mean],
      ['std', s.std],
    ] as const) {
      if (!Number.isFinite(v)) throw new NonFiniteValueError(`the ${key} of '${s.variable}'`, j, v);
    }
    if (s.min > s.max) throw new InvalidBoundsError(s.variable, s.min, s.max);
    const given = user.get(j);
    if (given !== undefined) {
      lower[j] = given.min;
      upper[j] = given.max;
      return;
    }
    let lo = s.min;
    let hi = s.max;
    if (type === 2) {
      lo = Math.max(s.min, s.mean - STD_MULTIPLIER * s.std);
      hi = Math.min(s.max, s.mean + STD_MULTIPLIER * s.std);
      if (lo > hi) lo = hi = Math.min(s.max, Math.max(s.min, s.mean));
    } else if (type === 3) {
      const width = s.max - s.min;
      const s3 = stretch / 100;
      // A constant variable has no range to stretch: stretch by its magnitude instead.
      lo = width > 0 ? s.min - s3 * width : s.min - s3 * Math.abs(s.min);
      hi = width > 0 ? s.max + s3 * width : s.max + s3 * Math.abs(s.max);
    }
    lower[j] = lo;
    upper[j] = hi;
  });
  return {
    bounds: { lower, upper },
    constraintType: type,
    userConstrained: [...user.keys()].sort((a, b) => a - b).map((j) => variables[j]),
  };
}
