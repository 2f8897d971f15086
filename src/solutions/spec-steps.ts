// The steps a solution runs on a schedule before it learns: preprocessing (of a joined topic's streams,
// or of raw JSON per device) and stream queries. Each is the ONE core step of src/streams; the runner
// only schedules it. Their outputs are topics like any other, so a step's `output` can be one of the
// solution's own inputs: preprocess → train on the preprocessed streams.
import { Type, type Static } from '@sinclair/typebox';

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' });
/** A stream: a topic, or a named stream inside one (`topic/stream`). */
const Stream = Type.String({ minLength: 1, maxLength: 300 });
const Every = Type.Number({ exclusiveMinimum: 0, maximum: 86_400 * 7, default: 60 });
const MaxRows = Type.Integer({ minimum: 1, maximum: 100_000 });
const Statistics = Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { minItems: 1, maxItems: 50 });
/**
 * How statistics are written: `rows` — one JSON record per device (or per run) whose fields are the
 * preprocessed streams' names, the form a solution's input reads (`inputs[].variables`); `streams`
 * — one record per statistic, each a named stream `<output>/<name>` for joins and stream queries.
 */
const Form = Type.Union([Type.Literal('rows'), Type.Literal('streams')], { default: 'rows' });

export const PreprocessStepSchema = Type.Object(
  {
    kind: Type.Literal('preprocess'),
    everySeconds: Every,
    /** The streams' statistics over each stream's newest `maxRows` records. */
    streams: Type.Array(Stream, { minItems: 1, maxItems: 100 }),
    statistics: Statistics,
    maxRows: MaxRows,
    conditions: Type.Optional(Type.String({ maxLength: 2000 })),
    output: Name,
    form: Form,
  },
  { additionalProperties: false },
);

export const CustomJsonStepSchema = Type.Object(
  {
    kind: Type.Literal('customJson'),
    everySeconds: Every,
    /** The topic of raw JSON records. */
    topic: Name,
    /** `uid=…,filter:…~subtopics=…~values=…~identifiers=…~datetime=…~msgid=…~latlong=lat:long`. */
    criteria: Type.String({ minLength: 1, maxLength: 4000 }),
    statistics: Statistics,
    maxRows: MaxRows,
    conditions: Type.Optional(Type.String({ maxLength: 2000 })),
    output: Name,
    form: Form,
  },
  { additionalProperties: false },
);

export const StreamQueryStepSchema = Type.Object(
  {
    kind: Type.Literal('streamQuery'),
    everySeconds: Every,
    /** The topic holding the preprocessed streams (a step's output with form `streams`). */
    topic: Name,
    streams: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { minItems: 1, maxItems: 100 }),
    /** `A > 5 and B < 3:C > 0`: queries separated by ':', terms joined by `and` or `or`. */
    conditions: Type.String({ minLength: 1, maxLength: 4000 }),
    /** Query each device's newest values (record keys); none: the streams' newest values. */
    devices: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000 })),
    maxRows: Type.Optional(MaxRows),
    /** -1 (default): the newest values at each run; n >= 0: the window from offset n. */
    offset: Type.Optional(Type.Integer({ minimum: -1, maximum: Number.MAX_SAFE_INTEGER })),
    /** The streams are fields of the topic's JSON rows (one object per record). */
    fields: Type.Optional(Type.Boolean()),
    /** Only records whose JSON field `whereKey` is `[text]`, contains `(text)`, lacks `{text}`. */
    where: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    whereKey: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    /** Write each result's input values and records (rawData, msgIds); default true. */
    rawData: Type.Optional(Type.Boolean()),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    identifier: Type.Optional(Type.String({ maxLength: 200 })),
    output: Name,
  },
  { additionalProperties: false },
);

export const SolutionStepSchema = Type.Union([
  PreprocessStepSchema,
  CustomJsonStepSchema,
  StreamQueryStepSchema,
]);
export type SolutionStep = Static<typeof SolutionStepSchema>;
