// The trainings run through the API (viperhpdetraining, POST /v1/models): each algokey's latest model
// with its leaderboard, read back from the record the training wrote — the console's Models page.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/authenticator.js';
import type { OperationContext } from '../operations/context.js';
import type { ContextOf } from './plugin.js';
import { problems } from './schemas.js';

export interface TrainingSummary {
  algokey: string;
  algorithm: string;
  topic: string;
  partition: number;
  offset: number;
  createdAt: string;
  dependentVariable?: string;
  independentVariables?: string[];
  trainingRows?: number;
  selectionMetric?: string;
  /** Every candidate and its holdout metrics, best first; absent when the record is no longer stored. */
  leaderboard?: Array<{ algorithm: string; metrics: Record<string, number>; fitMs: number; error?: string }>;
  model: unknown;
}

/** Each alias's champion in the model registry, with what its model record says of the training. */
async function trainings(context: OperationContext): Promise<TrainingSummary[]> {
  const out: TrainingSummary[] = [];
  for (const { alias, champion } of await context.store.models.aliases()) {
    const at = champion.record;
    const summary: TrainingSummary = {
      algokey: alias,
      algorithm: champion.algorithm,
      topic: at?.topic ?? '',
      partition: at?.partition ?? -1,
      offset: at?.offset ?? -1,
      createdAt: new Date(champion.promotedAt).toISOString(),
      model: champion.model,
    };
    const fetched =
      at === undefined
        ? undefined
        : await context.backbone
            .fetch({ topic: at.topic, partition: at.partition, offset: at.offset, maxRecords: 1 })
            .catch(() => undefined);
    const value = fetched?.records[0]?.offset === at?.offset ? fetched?.records[0]?.value : null;
    if (value) {
      let record;
      try {
        record = context.shapers.readModel(JSON.parse(value.toString('utf8')));
      } catch {
        // not the training's record any more: the registry's version alone is shown
      }
      if (record !== undefined) {
        summary.dependentVariable = record.dependentVariable;
        summary.independentVariables = record.independentVariables;
        summary.trainingRows = record.trainingRows;
        summary.selectionMetric = record.selectionMetric;
        summary.leaderboard = record.leaderboard;
      }
    }
    out.push(summary);
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export function registerTrainingRoutes(app: FastifyInstance, contextOf: ContextOf): void {
  app.get(
    '/trainings',
    {
      schema: {
        operationId: 'listTrainings',
        summary:
          'The latest model of each algokey trained through the API, with its leaderboard (every candidate and its holdout metrics) (admin)',
        tags: ['flow'],
        response: {
          200: Type.Object({ trainings: Type.Array(Type.Object({}, { additionalProperties: true })) }),
          ...problems(403),
        },
      },
    },
    async (request) => {
      const context = contextOf(request);
      requireRole(context.principal, 'admin', 'listTrainings');
      return { trainings: await trainings(context) };
    },
  );
}
