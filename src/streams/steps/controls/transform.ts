// Fitting in a transformed space (VIPER's `transformtype`): `log-log` takes the natural log of the
// dependent and the independent variables, `log-lin` of the dependent only, `lin-log` of the
// independent ones only. Predictions come back in the original units (exp of a logged target).
import { StepInputError } from '../../errors.js';

export type Transform = 'lin-lin' | 'log-log' | 'log-lin' | 'lin-log';

const FIELD = 'transform';
const KNOWN: Transform[] = ['lin-lin', 'log-log', 'log-lin', 'lin-log'];

export function parseTransform(text: string): Transform {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'lin') return 'lin-lin';
  if ((KNOWN as string[]).includes(t)) return t as Transform;
  throw new StepInputError(FIELD, `must be one of ${KNOWN.join(', ')}, got '${text}'`);
}

export const logsTarget = (t: Transform): boolean => t === 'log-log' || t === 'log-lin';
export const logsInputs = (t: Transform): boolean => t === 'log-log' || t === 'lin-log';

/** The natural log of every value; a value ≤ 0 is refused, naming its variable. */
export function logColumn(values: readonly number[], variable: string, field = FIELD): number[] {
  return values.map((v, r) => {
    if (!(v > 0)) {
      throw new StepInputError(
        field,
        `takes the log of '${variable}', whose value ${v} (row ${r + 1}) is not positive`,
      );
    }
    return Math.log(v);
  });
}

/** The model's inputs in its fitted space. */
export function transformInputs(t: Transform, row: readonly number[], names: readonly string[]): number[] {
  if (!logsInputs(t)) return [...row];
  return row.map((v, j) => logColumn([v], names[j], 'inputs')[0]);
}

/** A prediction back in the dependent variable's own units. */
export function untransformPrediction(t: Transform, value: number): number {
  return logsTarget(t) ? Math.exp(value) : value;
}
