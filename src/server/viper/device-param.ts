// VIPER's `topicid` on the one-shot calls: one device (an entity id, e.g. an IoT device), carried
// as its records' Kafka key; -1 or -999 (the client's default) mean "no device".
import { ParameterError, showValue } from '../errors.js';
import type { ViperParams } from './params.js';

/** The device named by `topicid`, as its record key, or undefined for none. */
export function deviceParam(params: ViperParams): string | undefined {
  const raw = params.raw('topicid');
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^[+-]?\d+$/.test(raw.trim())) {
    throw new ParameterError(
      'topicid',
      `must be one integer (a device id; -1 or -999 for none), got '${showValue(raw)}'`,
    );
  }
  const id = Number(raw.trim());
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) {
    throw new ParameterError('topicid', `must be a device id up to 2147483647, got '${showValue(raw)}'`);
  }
  return id < 0 ? undefined : String(id);
}

/** `{ device }` when `topicid` names one, for spreading into an operation's input. */
export function deviceInput(params: ViperParams): { device?: string } {
  const device = deviceParam(params);
  return device !== undefined ? { device } : {};
}
