// VIPER's ids: a prefix and 30 characters of [A-Za-z0-9_-] (ProducerId-fuj1ygdy-E5noyO2CtKjDN0S6UeaB4).
// base64url of random bytes has exactly that alphabet; 24 bytes give 32 characters, 30 are kept
// (180 random bits).
import { randomBytes } from 'node:crypto';

export const PRODUCER_ID = 'ProducerId-';
export const CONSUMER_ID = 'ConsumerId-';
export const GROUP_ID = 'GroupId-';

export type IdPrefix = typeof PRODUCER_ID | typeof CONSUMER_ID | typeof GROUP_ID;

export function newId(prefix: IdPrefix): string {
  return prefix + randomBytes(24).toString('base64url').slice(0, 30);
}

const SHAPE = /^[A-Za-z0-9_-]{30}$/;

export function isId(prefix: IdPrefix, value: string): boolean {
  return value.startsWith(prefix) && SHAPE.test(value.slice(prefix.length));
}
