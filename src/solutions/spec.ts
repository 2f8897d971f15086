// The solution spec: what a continuous TML solution reads, learns, and publishes. Written as YAML or
// JSON by users (`tml run solution.yaml`, `POST /v1/solutions`), validated here once, with errors
// that name the field, and stored as the normalised object (defaults filled in) in the catalog.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { algorithmsFor } from '../automl/index.js';
import { MAX_MODELRUNS } from '../streams/index.js';
import { SolutionSpecError } from './errors.js';
import { checkIoMeaning, SolutionIoSchema, SolutionRegistrySchema } from './spec-io.js';
import { SolutionPreprocessSchema } from './spec-preprocess.js';
import { SolutionStepSchema } from './spec-steps.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' });

const Input = Type.Object(
  {
    /** The topic the stream is read from. */
    topic: Name,
    /**
     * The variables one record of this topic carries. A record whose value is a bare number carries
     * one variable (default: the topic's name); a JSON object carries one variable per field.
     */
    variables: Type.Optional(Type.Array(Name, { minItems: 1 })),
  },
  { additionalProperties: false },
);

const Window = Type.Object(
  {
    /** The last N rows form the training window (the seed's "roll back N offsets"). */
    records: Type.Optional(Type.Integer({ minimum: 30, maximum: 100_000 })),
    /** Or: the rows of the last T seconds (capped at `maxRecords`). */
    seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    maxRecords: Type.Optional(Type.Integer({ minimum: 30, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

const Retrain = Type.Object(
  {
    /** Retrain after every K new rows (per entity). */
    everyRecords: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    /** And/or every T seconds. */
    everySeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /**
     * Off the row path: rows go on being predicted by the current champion while a retrain runs on
     * the training pool, and its model is published with the step in which it finishes. Off (the
     * default): the rows after a due trigger wait for the retrain and are predicted by its champion.
     */
    background: Type.Optional(Type.Boolean()),
    /**
     * With `background`: on each due trigger the champion's configuration (algorithm and
     * hyperparameters) is also fitted again inline on the newest window, so the rows until the
     * retrain lands are predicted by parameters that learnt the latest rows. Only champions whose
     * fit is cheap (linear models, k-NN, CART, a GP on a small window) are refreshed; each refresh
     * is a new model version. `{ everyRecords: N }`: a cadence of its own, every N rows, while the
     * retrain (the selection) keeps `retrain.everyRecords`/`everySeconds` — selections less often
     * than refreshes leave the row path and the pool more time.
     */
    refresh: Type.Optional(
      Type.Union(
        [
          Type.Boolean(),
          Type.Object(
            { everyRecords: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
            { additionalProperties: false },
          ),
        ],
        // (a union's own error says only "expected union value")
        { invalidMessage: 'must be a boolean or { everyRecords: an integer >= 1 }' },
      ),
    ),
  },
  { additionalProperties: false },
);

const AutoML = Type.Object(
  {
    /** VIPER's `modelruns`: candidate configurations (algorithm × hyperparameters) tried per retrain. */
    modelruns: Type.Integer({ minimum: 1, maximum: MAX_MODELRUNS, default: 8 }),
    /** Caps the search of one retrain (a day at most, as a one-shot training's timeout). */
    timeBudgetMs: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 2000 }),
    /** Restricts the algorithms tried (names as in docs/automl.md). */
    algorithms: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    /** VIPER's `islogistic`: a classifier (dependent variable 0/1). */
    islogistic: Type.Boolean({ default: false }),
    /**
     * VIPER's `processlogic` (`classification_name=<name>:<variable>=<low>,<high>:...`, `-n`/`n`
     * open): the 0/1 target is 1 when every condition on the row's variables holds, instead of the
     * dependent variable's value. Needs `islogistic`.
     */
    classificationRule: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    seed: Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, default: 1 }),
  },
  { additionalProperties: false },
);

const Optimize = Type.Object(
  {
    /** VIPER's `ismin`: true minimises the prediction, false maximises it. */
    ismin: Type.Boolean({ default: true }),
    /** VIPER's `constraints`: `best` or `var:min:max,...`. */
    constraints: Type.String({ default: 'best' }),
    constrainttype: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], { default: 1 }),
    stretchbounds: Type.Number({ minimum: 0, default: 20 }),
    epsilon: Type.Number({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);

/** A stream's rule on its scores (VIPER's prediction flags, src/automl/anomaly/rules.ts). */
const AnomalyRule = Type.Object(
  {
    stream: Name,
    combine: Type.Union([Type.Literal('and'), Type.Literal('or')]),
    conditions: Type.Array(
      Type.Object(
        {
          subject: Type.Union([Type.Literal('value'), Type.Literal('score')]),
          operator: Type.Union([Type.Literal('<'), Type.Literal('>'), Type.Literal('=')]),
          threshold: Type.Number(),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

const Anomaly = Type.Object(
  {
    /** VIPER's flags: z-score lag (1–20), threshold (1–5 SD) and influence of the peer-group model. */
    lag: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
    threshold: Type.Number({ minimum: 1, maximum: 5, default: 3.5 }),
    influence: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
    /**
     * A bound in seconds on each window's peer-group learning (VIPER's `timeout`), checked before
     * the window's peer groups are published or used: a window past it publishes nothing, keeps
     * the peer groups before it, and the status names the timeout (src/streams/deadline.ts).
     */
    timeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
    /**
     * A bound in seconds on each cycle's anomaly scoring (the predicting call's `timeout`), counted
     * from the cycle's start and checked before its records are published: a cycle past it publishes
     * no anomaly scores (nor scored inputs), and the status names the timeout.
     */
    scoringTimeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400 })),
    /** How each row's risk is assessed (as the anomaly predict step): the share of streams, rules. */
    riskscore: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** `and`, `or` or `p<percent>`: how many streams must be anomalous for an alert. */
    complete: Type.Optional(Type.String({ pattern: '^(and|or|p[0-9]+(\\.[0-9]+)?)$' })),
    rules: Type.Optional(Type.Array(AnomalyRule, { maxItems: 100 })),
  },
  { additionalProperties: false },
);

const Drift = Type.Object(
  {
    /** Page-Hinkley on the absolute prediction error forces an early retrain. */
    enabled: Type.Boolean({ default: true }),
    /** Tolerated change of the mean error, as a fraction of the error's running mean. */
    delta: Type.Number({ minimum: 0, default: 0.05 }),
    /** Alarm level, in units of the running mean error. */
    threshold: Type.Number({ exclusiveMinimum: 0, default: 50 }),
  },
  { additionalProperties: false },
);

const Intervals = Type.Object(
  {
    /** Nominal coverage of each prediction's conformal interval (regression) or set (classification), in (0, 1). */
    coverage: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.9 }),
    /** γ of adaptive conformal inference: how fast the level follows the misses. */
    learningRate: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.005 }),
    /** The newest absolute errors the width is the quantile of. */
    window: Type.Integer({ minimum: 2, maximum: 100_000, default: 500 }),
  },
  { additionalProperties: false },
);

/** One day: a day of predictions and anomaly scores for late readers, disk bounded by the input rate. */
export const DEFAULT_OUTPUT_RETENTION_MS = 86_400_000;

const Outputs = Type.Object(
  {
    params: Type.Optional(Name),
    predictions: Type.Optional(Name),
    optimal: Type.Optional(Name),
    anomalies: Type.Optional(Name),
    /** Each window's anomaly peer groups, one record per window (and entity). */
    peerGroups: Type.Optional(Name),
    /** Each row scored for anomalies, as it was scored (its values and offsets), one record per row. */
    scoredInputs: Type.Optional(Name),
    preprocessed: Type.Optional(Name),
    drift: Type.Optional(Name),
  },
  { additionalProperties: false },
);

export const SolutionSpecSchema = Type.Object(
  {
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    /** The streams learnt from; none (with steps): a solution that only runs its steps. */
    inputs: Type.Array(Input, { maxItems: 100 }),
    /** The record key names an entity (a device, a person): one micro-model per entity. */
    entityKey: Type.Boolean({ default: false }),
    /** window, the variables and retrain: required when the solution learns (it has inputs). */
    window: Type.Optional(Window),
    dependentVariable: Type.Optional(Name),
    /** At least one when the solution learns a model; may be empty with `model: false`. */
    independentVariables: Type.Optional(Type.Array(Name)),
    /**
     * Learn a model of the dependent variable every window (default true). False: a solution that only
     * publishes window products — anomaly peer groups and scores, statistics — over its variables,
     * one stream or several; it then neither predicts nor optimises.
     */
    model: Type.Boolean({ default: true }),
    retrain: Type.Optional(Retrain),
    automl: Type.Optional(AutoML),
    /** Predict every new input row with the current champion (default true). */
    predict: Type.Boolean({ default: true }),
    /** Conformal intervals (regression) or prediction sets (classification) on every prediction, adaptive. */
    intervals: Type.Optional(Intervals),
    /**
     * Feature contributions on every prediction (default false: TreeSHAP or subset enumeration
     * costs more than the prediction itself).
     */
    explain: Type.Boolean({ default: false }),
    optimize: Type.Optional(Optimize),
    anomaly: Type.Optional(Anomaly),
    preprocess: Type.Optional(SolutionPreprocessSchema),
    /** Preprocessing and stream queries run on a schedule before learning (src/solutions/spec-steps.ts). */
    steps: Type.Optional(Type.Array(SolutionStepSchema, { maxItems: 20 })),
    drift: Type.Optional(Drift),
    outputs: Type.Optional(Outputs),
    /**
     * The keys the output records are written in: the name of a shaper the face that created the
     * solution gives the workers (the VIPER batch endpoints use their own); default tml's records.
     */
    recordShape: Type.Optional(Name),
    /** Partition, start offset, pause, and the consumer/producer ids and main topic (spec-io.ts). */
    io: Type.Optional(SolutionIoSchema),
    /** Deployed or not, which champion predicts, identifier and folder (spec-io.ts). */
    registry: Type.Optional(SolutionRegistrySchema),
    /**
     * `retention.ms` of the per-row output topics (predictions, anomalies) when the solution creates
     * them: one record per input row each, so they grow with the input. Default one day; -1 keeps
     * them forever. The per-window outputs (params, optimal, preprocessed, drift) keep the
     * backbone's default (Kafka's seven days).
     */
    outputRetentionMs: Type.Optional(
      Type.Integer({ minimum: -1, maximum: Number.MAX_SAFE_INTEGER, default: DEFAULT_OUTPUT_RETENTION_MS }),
    ),
  },
  { additionalProperties: false },
);

type RawSpec = Static<typeof SolutionSpecSchema>;

/** A validated spec with every default filled in. */
export interface SolutionSpec extends Omit<
  RawSpec,
  | 'automl'
  | 'drift'
  | 'outputs'
  | 'intervals'
  | 'window'
  | 'dependentVariable'
  | 'independentVariables'
  | 'retrain'
> {
  /**
   * A steps-only solution (no inputs) has an empty window and retrain and no variables (absent:
   * read them only where `inputs` is not empty, as the learning parts do — they never run without rows).
   */
  window: Static<typeof Window>;
  dependentVariable: string;
  independentVariables: string[];
  retrain: Static<typeof Retrain>;
  automl: Static<typeof AutoML>;
  intervals: Static<typeof Intervals>;
  drift: Static<typeof Drift>;
  /** Output topics; params, predictions and drift always have one (`<name>-params`, ...). */
  outputs: Required<Pick<Static<typeof Outputs>, 'params' | 'predictions' | 'drift'>> &
    Static<typeof Outputs>;
}

/** One input variable: where it is read from. */
export interface InputVariable {
  variable: string;
  topic: string;
  /** The JSON field holding it, or undefined when the record's value is a bare number. */
  field?: string;
}

/** Every variable the inputs carry, in input order. */
export function inputVariables(spec: Pick<SolutionSpec, 'inputs'>): InputVariable[] {
  return spec.inputs.flatMap((input) =>
    input.variables === undefined
      ? [{ variable: input.topic, topic: input.topic }]
      : input.variables.map((variable) => ({ variable, topic: input.topic, field: variable })),
  );
}

/** Reads a spec from YAML or JSON text (JSON is YAML); errors name the line. */
export function parseSolutionSpecText(text: string): SolutionSpec {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new SolutionSpecError('(document)', `is not valid YAML or JSON: ${(error as Error).message}`);
  }
  return validateSolutionSpec(parsed);
}

/** Validates a spec object and fills in the defaults; throws `SolutionSpecError` naming the field. */
export function validateSolutionSpec(input: unknown): SolutionSpec {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SolutionSpecError('(document)', 'must be an object with name, inputs, window, ...');
  }
  const candidate = Value.Default(SolutionSpecSchema, structuredClone(input)) as unknown;
  const first = Value.Errors(SolutionSpecSchema, candidate).First();
  if (first !== undefined) {
    const field = first.path === '' ? '(document)' : first.path.slice(1).replaceAll('/', '.');
    const schema = first.schema as { pattern?: string; invalidMessage?: string };
    const message =
      schema.pattern === Name.pattern
        ? `${JSON.stringify(first.value)} is not a valid name: use letters, digits, '.', '_' and '-' (at most 100, starting with a letter or digit)`
        : (schema.invalidMessage ?? first.message.charAt(0).toLowerCase() + first.message.slice(1));
    throw new SolutionSpecError(field, message);
  }
  const raw = candidate as RawSpec;
  const learning = ['window', 'dependentVariable', 'independentVariables', 'retrain'] as const;
  if (raw.inputs.length === 0) {
    if ((raw.steps ?? []).length === 0) {
      throw new SolutionSpecError('inputs', 'must hold at least 1 input (or the spec only runs its steps)');
    }
    // (a stored steps-only spec holds an empty window and retrain: validated again, they pass)
    const empty = (v: unknown) => typeof v === 'object' && v !== null && Object.keys(v).length === 0;
    const given = learning.find((field) => raw[field] !== undefined && !empty(raw[field]));
    if (given !== undefined) {
      throw new SolutionSpecError(
        given,
        'is for a solution that learns: give its inputs too, or leave it out',
      );
    }
    // a steps-only solution: nothing to learn or predict
    return { ...(raw as SolutionSpec), window: {}, retrain: {}, predict: false, ...normalised(raw) };
  }
  const missing = learning.find((field) => raw[field] === undefined);
  if (missing !== undefined) throw new SolutionSpecError(missing, 'is required when the solution has inputs');
  const spec = { ...(raw as SolutionSpec), ...normalised(raw) };
  checkMeaning(spec);
  return spec;
}

/** The defaults of the nested objects, and the output topics named after the solution. */
function normalised(raw: RawSpec): Pick<SolutionSpec, 'automl' | 'drift' | 'intervals' | 'outputs'> {
  return {
    automl: Value.Default(AutoML, raw.automl ?? {}) as Static<typeof AutoML>,
    drift: Value.Default(Drift, raw.drift ?? {}) as Static<typeof Drift>,
    intervals: Value.Default(Intervals, raw.intervals ?? {}) as Static<typeof Intervals>,
    outputs: {
      ...raw.outputs,
      params: raw.outputs?.params ?? `${raw.name}-params`,
      predictions: raw.outputs?.predictions ?? `${raw.name}-predictions`,
      drift: raw.outputs?.drift ?? `${raw.name}-drift`,
    },
  };
}

function checkMeaning(spec: SolutionSpec): void {
  const { window, retrain } = spec;
  if ((window.records === undefined) === (window.seconds === undefined)) {
    throw new SolutionSpecError(
      'window',
      'give exactly one of records (last N rows) or seconds (last T seconds)',
    );
  }
  if (retrain.everyRecords === undefined && retrain.everySeconds === undefined) {
    throw new SolutionSpecError('retrain', 'give everyRecords, everySeconds or both');
  }
  if (retrain.refresh !== undefined && retrain.refresh !== false && retrain.background !== true) {
    throw new SolutionSpecError(
      'retrain.refresh',
      'needs retrain.background: true (an awaited retrain already fits the champion again on the window when its configuration wins)',
    );
  }
  const topics = new Set<string>();
  spec.inputs.forEach((input, i) => {
    if (topics.has(input.topic)) {
      throw new SolutionSpecError(`inputs.${i}.topic`, `topic ${input.topic} is named twice`);
    }
    topics.add(input.topic);
  });
  const variables = new Map<string, number>();
  for (const v of inputVariables(spec)) {
    if (variables.has(v.variable)) {
      throw new SolutionSpecError('inputs', `variable ${v.variable} is carried by two inputs`);
    }
    variables.set(v.variable, 1);
  }
  checkIoMeaning(spec, new Set(variables.keys()));
  if (!variables.has(spec.dependentVariable)) {
    throw new SolutionSpecError(
      'dependentVariable',
      `${spec.dependentVariable} is not one of the input variables (${[...variables.keys()].join(', ')})`,
    );
  }
  spec.independentVariables.forEach((name, i) => {
    if (!variables.has(name)) {
      throw new SolutionSpecError(
        `independentVariables.${i}`,
        `${name} is not one of the input variables (${[...variables.keys()].join(', ')})`,
      );
    }
    if (name === spec.dependentVariable) {
      throw new SolutionSpecError(`independentVariables.${i}`, `${name} is the dependent variable`);
    }
  });
  if (spec.model && spec.independentVariables.length === 0) {
    throw new SolutionSpecError(
      'independentVariables',
      'must name at least one variable for the model to learn from (or set model: false for a solution without one)',
    );
  }
  if (!spec.model) {
    if (spec.predict)
      throw new SolutionSpecError('predict', 'must be false when model is false (there is no model)');
    if (spec.optimize !== undefined) {
      throw new SolutionSpecError('optimize', 'needs a model: remove it or set model: true');
    }
    if (spec.anomaly === undefined && spec.preprocess === undefined) {
      throw new SolutionSpecError('model', 'false leaves nothing to publish: give anomaly or preprocess');
    }
  }
  if (new Set(spec.independentVariables).size !== spec.independentVariables.length) {
    throw new SolutionSpecError('independentVariables', 'a variable is named twice');
  }
  if (spec.entityKey && spec.inputs.length !== 1) {
    throw new SolutionSpecError(
      'entityKey',
      'one micro-model per entity needs all variables in one input topic (records keyed by entity, JSON fields per variable)',
    );
  }
  const task = spec.automl.islogistic ? 'classification' : 'regression';
  const known = algorithmsFor(task).map((a) => a.name);
  spec.automl.algorithms?.forEach((name, i) => {
    if (!known.includes(name)) {
      throw new SolutionSpecError(
        `automl.algorithms.${i}`,
        `${name} is not a ${task} algorithm; choose from ${known.join(', ')}`,
      );
    }
  });
  const outputs = Object.entries(spec.outputs).filter(([, topic]) => topic !== undefined);
  for (const [field, topic] of outputs) {
    if (topics.has(topic!)) {
      throw new SolutionSpecError(`outputs.${field}`, `${topic} is also an input topic`);
    }
  }
}
