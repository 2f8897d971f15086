// VIPER's optimization body (reference/viper-protocol.md §4.3): the keys and spelling of the seed's
// printed output, for `viperhpdeoptimize` answers and the records it writes. The server adds what
// only it knows (CreatedOn, HPDEHOST, Usedeploy, AdditionDetails) through `extra`.
import { CONSTRAINT_TYPE_LABELS, type ModelOptimization } from '../../automl/index.js';

/** VIPER's optimization response body (the keys and spelling of the seed's printed output). */
export interface ViperOptimization {
  UserDetails: Record<string, unknown> & {
    ConstraintType: string;
    Epsilon: number;
    StretchBounds: number;
  };
  OptimizedValues: {
    Objective: 'Minimization' | 'Maximization';
    ObjectiveFunctionValue: number;
    OptimalValues: Array<Record<string, number>>;
  };
  Constraints: Array<{ Max: number; Min: number; Variable: string }>;
  DescriptiveStats: Array<{ Max: number; Mean: number; Min: number; STD: number; Variable: string }>;
  /** VIPER's spelling. */
  AdditionDetails?: Record<string, unknown>;
}

/**
 * Shapes a result as VIPER answered `viperhpdeoptimize`. `Constraints` are the bounds searched
 * (VIPER's sample printed a narrower box around its optimum, by a rule nobody could derive);
 * `ConstraintType` names user constraints when some were given.
 */
export function toViperOptimization(
  result: Omit<ModelOptimization, 'search'>,
  extra: { userDetails?: Record<string, unknown>; additionDetails?: Record<string, unknown> } = {},
): ViperOptimization {
  const label = CONSTRAINT_TYPE_LABELS[result.constraintType];
  const out: ViperOptimization = {
    UserDetails: {
      ...extra.userDetails,
      ConstraintType:
        result.userConstrained.length === 0
          ? label
          : `${label}; user constraints for ${result.userConstrained.join(', ')}`,
      Epsilon: result.epsilon,
      StretchBounds: result.stretchBounds,
    },
    OptimizedValues: {
      Objective: result.objective,
      ObjectiveFunctionValue: result.value,
      OptimalValues: result.optimalValues.map(({ variable, value }) => ({ [variable]: value })),
    },
    Constraints: result.bounds.map(({ variable, min, max }) => ({ Max: max, Min: min, Variable: variable })),
    DescriptiveStats: result.stats.map((s) => ({
      Max: s.max,
      Mean: s.mean,
      Min: s.min,
      STD: s.std,
      Variable: s.variable,
    })),
  };
  if (extra.additionDetails !== undefined) out.AdditionDetails = { ...extra.additionDetails };
  return out;
}
