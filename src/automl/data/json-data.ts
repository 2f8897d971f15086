// Fitted parameters are kept exactly as a JSON round trip gives them back, so a model predicts from
// the numbers a loaded copy reads (−0 becomes 0, a non-finite number null, an undefined property
// disappears). Most fits already return such data: then the round trip would only copy it, which
// on a micro-model window refitted on every row (a solution's `retrain.refresh`) costs as much as
// the fit. `asJsonData` answers the value itself when the round trip would give back an equal
// value, else the round trip's result.

/** `JSON.parse(JSON.stringify(value))`, without the copy when it would change nothing. */
export function asJsonData<T>(value: T): T {
  return isJsonData(value, 0) ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Deeper than this is left to the round trip (no recursion limit is reached by model data). */
const MAX_DEPTH = 64;

/**
 * Whether `value` is plain JSON data that a round trip gives back equal: finite numbers other than
 * −0, strings, booleans, null, plain arrays and objects holding only such values. Anything else
 * (typed arrays, class instances, `toJSON`, undefined or function members) answers false.
 */
export function isJsonData(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          // a hole reads undefined and becomes null
          if (!isJsonData(value[i], depth + 1)) return false;
        }
        return true;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) return false;
      if (Object.getOwnPropertySymbols(value).length > 0) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false;
        if (key === 'toJSON') return false;
        if (!isJsonData((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      // non-enumerable own properties are dropped by the round trip
      return Object.getOwnPropertyNames(value).length === Object.keys(value).length;
    }
    default:
      return false;
  }
}
