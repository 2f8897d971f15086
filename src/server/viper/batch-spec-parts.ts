// The parts the VIPER batch endpoints share to describe a solution: its name, which VIPER parameter
// set a spec field (errors name the parameter), the window and retraining, and the variables.
import { DEFAULT_WINDOW_RECORDS } from '../../streams/index.js';
import type { StreamsSource } from '../operations/batch-solutions.js';
import { ParameterError } from '../errors.js';
import type { ViperParams } from './params.js';

/** The prefix of the names of the solutions the batch endpoints create. */
export const BATCH_PREFIX = 'viper-';

export type Spec = Record<string, unknown>;

/** The solution's name: the prefix and the topic that identifies the call (names have 100 characters). */
export function solutionName(kind: string, topic: string, parameter: string): string {
  const name = `${BATCH_PREFIX}${kind}${topic}`;
  if (name.length > 100) {
    throw new ParameterError(
      parameter,
      `names a topic too long to name a solution after ('${name.slice(0, 40)}…' is over 100 characters)`,
    );
  }
  return name;
}

/** Which VIPER parameter set a spec field: the first prefix that matches wins. */
export function parameterOf(table: Array<[string, string]>): (field: string) => string {
  return (field) =>
    table.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`))?.[1] ?? field;
}

/** `timedelay` seconds between retrains; 0 (VIPER: no pause) retrains after every tenth of the window. */
export function retrain(params: ViperParams, windowRows: number): Spec {
  const seconds = params.float('timedelay', { default: 0, min: 0 });
  return seconds > 0 ? { everySeconds: seconds } : { everyRecords: Math.max(1, Math.round(windowRows / 10)) };
}

/** Rows of the window: the parameter if given (> 0), else what the flow's topics say, else the default. */
export function windowRows(params: ViperParams, parameter: string, known?: number): number {
  const given = params.int(parameter, { default: 0, min: 0 });
  return given > 0 ? given : (known ?? DEFAULT_WINDOW_RECORDS);
}

/** The variables of the model: the parameters when given, else what the training set or model says. */
export function variables(
  params: ViperParams,
  source: StreamsSource,
): { dependent: string; independent: string[] } {
  const dependent = params.has('dependentvariable')
    ? params.string('dependentvariable')
    : (source.dependentVariable ?? params.string('dependentvariable'));
  const independent = params.has('independentvariables')
    ? params.list('independentvariables')
    : (source.independentVariables ?? params.list('independentvariables'));
  return { dependent, independent };
}

/** A solution over plain streams without a model (anomaly, statistics): one stream or several. */
export function streamsOnly(streams: string[]): { dependent: string; independent: string[]; model: false } {
  return { dependent: streams[0], independent: streams.slice(1), model: false };
}

/** The spec's io fields (batch-io.ts), in every endpoint's table. */
export const IO_FIELDS: Array<[string, string]> = [
  ['io.partition', 'partition'],
  ['io.startOffset', 'offset'],
  ['io.pauseSeconds', 'timedelay'],
  ['io.consumerId', 'consumerid'],
  ['io.producerId', 'producerid'],
  ['io.mainTopic', 'maintopic'],
];
