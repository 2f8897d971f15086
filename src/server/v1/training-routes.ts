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

interface StoredRecord {
  DependentVariable?: string;
  IndependentVariables?: string[];
  TrainingRows?: number;
  SelectionMetric?: string;
  Leaderboard?: Array<{ Algorithm: string; Metrics: Record<string, number>; FitMs: number; Error?: string }>;
}

async function trainings(context: OperationContext): Promise<TrainingSummary[]> {
  const out: TrainingSummary[] = [];
  for (const r of context.store.models.values()) {
    const model = r.model as { algorithm?: string };
    const summary: TrainingSummary = {
      algokey: r.algokey,
      algorithm: model.algorithm ?? r.algo,
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      createdAt: r.createdAt,
      model: r.model,
    };
    const fetched = await context.backbone
      .fetch({ topic: r.topic, partition: r.partition, offset: r.offset, maxRecords: 1 })
      .catch(() => undefined);
    const value = fetched?.records[0]?.offset === r.offset ? fetched.records[0].value : null;
    if (value) {
      try {
        const record = JSON.parse(value.toString('utf8')) as StoredRecord;
        summary.dependentVariable = record.DependentVariable;
        summary.independentVariables = record.IndependentVariables;
        summary.trainingRows = record.TrainingRows;
        summary.selectionMetric = record.SelectionMetric;
        summary.leaderboard = record.Leaderboard?.map((e) => ({
          algorithm: e.Algorithm,
          metrics: e.Metrics,
          fitMs: e.FitMs,
          ...(e.Error !== undefined ? { error: e.Error } : {}),
        }));
      } catch {
        // not the training's record any more: the registration alone is shown
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
