// Changing a solution in place: a JSON merge patch (RFC 7386: objects merge, null removes a field,
// anything else replaces) over the stored spec. What the champion and registry were learnt on —
// the inputs, the per-entity keying, the variables and the task — cannot change in place (the
// models would not fit the new rows); everything else (window, retraining, AutoML budget, outputs,
// optimisation, anomaly and statistics settings, drift, intervals) can, and the solution keeps its
// registry, champions and committed input offsets.
import { isDeepStrictEqual } from 'node:util';
import { SolutionChangeError, SolutionSpecError } from './errors.js';
import { validateSolutionSpec, type SolutionSpec } from './spec.js';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386 applied to `target` (not modified). */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** The merge patch that turns `from` into `to` (for callers that hold the whole new spec). */
export function patchBetween(from: Json, to: Json): Json {
  if (!isObject(from) || !isObject(to)) return structuredClone(to);
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    if (!isDeepStrictEqual(from[key], value)) patch[key] = patchBetween(from[key], value);
  }
  return patch;
}

/** As stored: JSON drops `undefined` fields. */
const plain = (value: Json): Json =>
  value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as Json);

/** The fields the models were learnt on: a change to one of them is not an update in place. */
const MODEL_FIELDS: Array<[string, (s: SolutionSpec) => unknown]> = [
  ['inputs', (s) => s.inputs],
  ['entityKey', (s) => s.entityKey],
  ['dependentVariable', (s) => s.dependentVariable],
  ['independentVariables', (s) => s.independentVariables],
  ['automl.islogistic', (s) => s.automl.islogistic],
];

/** The spec after `patch`, validated; throws when the patch renames it or changes what the models fit. */
export function updatedSpec(current: SolutionSpec, patch: Json): SolutionSpec {
  if (!isObject(patch)) {
    throw new SolutionSpecError('(document)', 'an update must be an object (a JSON merge patch of the spec)');
  }
  if ('name' in patch && patch.name !== current.name) {
    throw new SolutionSpecError('name', `is ${current.name}; an update cannot rename a solution`);
  }
  const spec = validateSolutionSpec(mergePatch(plain(current), patch));
  for (const [field, of] of MODEL_FIELDS) {
    if (!isDeepStrictEqual(plain(of(current)), plain(of(spec)))) {
      throw new SolutionChangeError(
        current.name,
        field,
        `its champion and registry were learnt on the current ${field}: delete the solution and create it again to change it`,
      );
    }
  }
  return spec;
}
