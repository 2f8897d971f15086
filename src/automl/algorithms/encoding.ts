// Float64 arrays inside model JSON as base64 of their IEEE-754 bytes: exact (bit-identical after a
// round trip, unlike decimal text that must be re-parsed) and ~2.5× smaller than JSON numbers, which
// matters for models that carry training rows (k-NN, Gaussian process) through Kafka's 1 MB limit.

export function encodeFloat64(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** Decodes (little-endian, like every platform Node runs on here). */
export function decodeFloat64(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0) throw new Error('corrupt float64 base64 payload in model parameters');
  const out = new Float64Array(bytes.length / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

const decodedByParameters = new WeakMap<object, unknown>();

/**
 * Decodes a model's arrays once per parameters object (kept as long as the model is), so that
 * row-at-a-time prediction does not decode the stored training rows on every call.
 */
export function decodedOnce<T>(parameters: object, decode: () => T): T {
  let value = decodedByParameters.get(parameters) as T | undefined;
  if (value === undefined) {
    value = decode();
    decodedByParameters.set(parameters, value);
  }
  return value;
}
