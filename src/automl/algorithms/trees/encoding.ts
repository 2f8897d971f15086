// Typed arrays as base64 of their little-endian bytes: 4 bytes per value become 5.3 characters,
// against ~10–20 for a decimal JSON number, and decoding gives back the exact same bits, which is
// what lets a model loaded from JSON predict bit-identically.

import { InvalidInputError } from '../../errors.js';

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Array32 = Float32Array | Int32Array;

export function encodeArray(values: Array32): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return Buffer.from(hostIsLittleEndian ? bytes : swapped(bytes)).toString('base64');
}

export function decodeFloat32(text: unknown, name: string): Float32Array {
  const bytes = decodeBytes(text, name);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

export function decodeInt32(text: unknown, name: string): Int32Array {
  const bytes = decodeBytes(text, name);
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function decodeBytes(text: unknown, name: string): Uint8Array {
  if (typeof text !== 'string')
    throw new InvalidInputError(`tree model parameters: '${name}' must be a base64 string`);
  const decoded = Buffer.from(text, 'base64');
  if (decoded.byteLength % 4 !== 0) {
    throw new InvalidInputError(
      `tree model parameters: '${name}' decodes to ${decoded.byteLength} bytes, not a multiple of 4`,
    );
  }
  // A fresh, aligned buffer: Buffer may hand back a slice of its shared pool at any byte offset.
  const bytes = new Uint8Array(decoded.byteLength);
  bytes.set(decoded);
  return hostIsLittleEndian ? bytes : swapped(bytes);
}

function swapped(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3];
    out[i + 1] = bytes[i + 2];
    out[i + 2] = bytes[i + 1];
    out[i + 3] = bytes[i];
  }
  return out;
}
