// The /v1 schemas of solutions and their model registry. The request body is the solution spec's own
// schema (src/solutions/spec.ts): the same one validates it, in the solutions layer, so that every
// error names the spec's field the same way on /v1, in `tml run` and in the CLI.
import { Type, type Static } from '@sinclair/typebox';
import { SolutionSpecSchema } from '../../solutions/spec.js';

/** A solution's name, as the spec's rule (src/solutions/spec.ts). */
const SolutionName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$',
});
export const SolutionParams = Type.Object({ name: SolutionName });

/** The spec as stored: validated, with every default filled in. */
export const SolutionSpecReply = SolutionSpecSchema;

/** An update: fields of the spec to change, merged into the stored spec; null removes an optional one. */
export const SolutionPatch = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'A JSON merge patch (RFC 7386) of the solution spec: objects merge, null removes a field, anything else replaces it',
  },
);

const Champion = Type.Object({
  algorithm: Type.String(),
  version: Type.Integer(),
  forecastAccuracy: Type.Number(),
});

// Open to new fields: the workers may report more than this version of the schema knows.
export const SolutionStatusSchema = Type.Object(
  {
    condition: Type.String({ description: 'starting, waiting (too few rows yet), ok, or problem' }),
    problems: Type.Array(Type.Object({ at: Type.Number(), message: Type.String() }), {
      description: 'The latest problems, newest last',
    }),
    retrains: Type.Integer(),
    predictions: Type.Integer(),
    driftEvents: Type.Integer(),
    lastRetrainAt: Type.Optional(Type.Number()),
    champions: Type.Record(Type.String(), Champion, {
      description: "The current champion per entity ('' without an entity key)",
    }),
    worker: Type.Optional(Type.String()),
    updatedAt: Type.Number(),
  },
  { additionalProperties: true },
);

export const SolutionViewSchema = Type.Object({
  name: Type.String(),
  spec: SolutionSpecReply,
  state: Type.Union([Type.Literal('running'), Type.Literal('paused')]),
  createdAt: Type.Number({ description: 'ms since the epoch' }),
  updatedAt: Type.Number(),
  status: Type.Optional(SolutionStatusSchema),
});

export const ListSolutionsReply = Type.Object({ solutions: Type.Array(SolutionViewSchema) });
export const DeleteSolutionReply = Type.Object({ deleted: Type.String() });

const versionFields = {
  solution: Type.String(),
  entity: Type.String(),
  version: Type.Integer(),
  retrain: Type.Integer(),
  algorithm: Type.String(),
  forecastAccuracy: Type.Number(),
  metrics: Type.Record(Type.String(), Type.Number()),
  lineage: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The window it learnt from: offsets per topic and partition',
  }),
  promotedAt: Type.Number(),
  trigger: Type.String({ description: 'records, seconds, drift or start' }),
  importances: Type.Optional(
    Type.Record(Type.String(), Type.Number(), {
      description: "Each input's mean |contribution| to the predictions of the window's newest rows",
    }),
  ),
  replaced: Type.Optional(
    Type.Union(
      [
        Type.Object({ version: Type.Integer(), rmse: Type.Number() }),
        Type.Object({ version: Type.Integer(), logLoss: Type.Number() }),
      ],
      {
        description:
          'The champion it replaced and its score on the same newest rows: RMSE, or log-loss for classifiers',
      },
    ),
  ),
};

/** A version in the history: everything but the model's parameters (ask for the champion's). */
export const ModelVersionSummary = Type.Object(versionFields);
export const ChampionVersion = Type.Object({
  ...versionFields,
  model: Type.Unknown({ description: 'The model as versioned JSON (docs/automl.md)' }),
});

export const DriftEventSchema = Type.Object({
  solution: Type.String(),
  entity: Type.String(),
  at: Type.Number(),
  offset: Type.Integer(),
  detector: Type.String(),
  statistic: Type.Number(),
  championVersion: Type.Integer(),
});

export const ModelsQuery = Type.Object(
  {
    entity: Type.Optional(
      Type.String({ maxLength: 1000, description: "The entity (record key); default '' (no entity key)" }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'Versions of the history, newest first' }),
    ),
  },
  { additionalProperties: false },
);
export type ModelsQuery = Static<typeof ModelsQuery>;

export const ModelsReply = Type.Object({
  solution: Type.String(),
  entity: Type.String(),
  champion: Type.Optional(ChampionVersion),
  history: Type.Array(ModelVersionSummary, { description: 'Newest first' }),
  drift: Type.Array(DriftEventSchema),
});

export const EntitiesReply = Type.Object({ solution: Type.String(), entities: Type.Array(Type.String()) });
