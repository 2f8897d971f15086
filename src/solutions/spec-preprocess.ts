// The statistics a solution publishes of each window (spec `preprocess`), as the one-shot preprocess
// step computes them: which statistics, the range of values each variable's statistic is computed
// over, a label kept in every record, the window's values alongside, and whether the items of one
// window are written one record each or as one array.
import { Type } from '@sinclair/typebox';

export const SolutionPreprocessSchema = Type.Object(
  {
    /** Stream statistics published per retrain window (VIPER's names: AVG, MIN, TREND, ...). */
    statistics: Type.Array(Type.String(), { minItems: 1 }),
    /**
     * Per variable, the range of values its statistics are computed over
     * (`humidity=55,60:temperature=34,n`; `n` leaves a side open), as the preprocess step's.
     */
    conditions: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    /** A label kept in every statistics record. */
    identifier: Type.Optional(Type.String({ maxLength: 1000 })),
    /** Each record also holds the values its statistic was computed over. */
    rawData: Type.Optional(Type.Boolean()),
    /** `streams` (default): one record per variable and statistic; `array`: one record holding them all. */
    form: Type.Optional(Type.Union([Type.Literal('streams'), Type.Literal('array')])),
  },
  { additionalProperties: false },
);
