// VIPER's `inputdata`: comma values in the model's input order, or the name of a joined topic.
import { ParameterError, showValue } from '../errors.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

/** Comma values → numbers, or undefined when `text` is not a list of numbers (then a topic name). */
export function parseInputData(text: string, parameter = 'inputdata'): number[] | undefined {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => NON_FINITE.test(s))) {
    throw new ParameterError(parameter, `must hold finite numbers, got '${showValue(text)}'`);
  }
  if (items.every((s) => DECIMAL.test(s))) return items.map(Number);
  if (items.length > 1) {
    const bad = items.find((s) => !DECIMAL.test(s)) ?? '';
    throw new ParameterError(
      parameter,
      `must be comma-separated numbers or the name of a joined topic; '${showValue(bad)}' is not a number`,
    );
  }
  return undefined;
}
