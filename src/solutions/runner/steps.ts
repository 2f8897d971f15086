// A solution's scheduled steps (spec `steps`): each runs its core step of src/streams when
// `everySeconds` have passed since its last run, before the runner reads its inputs, so what a step
// writes into one of the solution's inputs is learnt from in the same pass. A step that fails —
// bad criteria, text where a number is needed, an empty window, a vanished topic — is reported in
// the solution's status and tried again at its next time; the solution goes on. A step writes with
// the core's own producer, outside the runner's transaction: a crash between a step and the
// transaction that follows may repeat the step's output once, never lose the solution's progress.
import {
  neutralShapers,
  preprocessCustomJson,
  preprocessStreams,
  queryStreamsWithAlerts,
} from '../../streams/index.js';
import type { SolutionStep } from '../spec-steps.js';
import type { RunnerScope } from './types.js';

async function runStep(scope: RunnerScope, step: SolutionStep): Promise<number> {
  const { backbone } = scope.ctx;
  const services = { backbone, shapers: neutralShapers };
  await backbone.ensureTopic({ name: step.output, partitions: 1 });
  switch (step.kind) {
    case 'preprocess':
      return (
        await preprocessStreams(services, {
          topic: step.output,
          streams: step.streams,
          logic: step.statistics,
          maxRows: step.maxRows,
          conditions: step.conditions,
          preprocessTopic: step.output,
          identifier: scope.spec.name,
          form: step.form,
        })
      ).length;
    case 'customJson':
      return (
        await preprocessCustomJson(services, {
          topic: step.topic,
          criteria: step.criteria,
          logic: step.statistics,
          maxRows: step.maxRows,
          conditions: step.conditions,
          preprocessTopic: step.output,
          identifier: scope.spec.name,
          form: step.form,
        })
      ).length;
    case 'streamQuery': {
      let written = 0;
      for (const device of step.devices ?? ['']) {
        // the results and, for each query that holds, its alert record (as the one-shot call)
        const { results, alerts } = await queryStreamsWithAlerts(services, {
          topic: step.topic,
          streams: step.streams,
          conditions: step.conditions,
          description: step.description,
          identifier: step.identifier ?? scope.spec.name,
          produceTo: step.output,
          device,
          maxRows: step.maxRows,
          offset: step.offset,
          fields: step.fields,
          rawData: step.rawData,
          ...(step.where === undefined ? {} : { where: { key: step.whereKey ?? '', condition: step.where } }),
        });
        written += results.length + alerts.length;
      }
      return written;
    }
  }
}

export class StepSchedule {
  readonly #lastRun: number[];

  constructor(private readonly scope: RunnerScope) {
    this.#lastRun = (scope.spec.steps ?? []).map(() => -Infinity);
  }

  get size(): number {
    return this.#lastRun.length;
  }

  /** Milliseconds until the next step is due (Infinity without steps). */
  dueIn(now: number): number {
    const steps = this.scope.spec.steps ?? [];
    return Math.min(Infinity, ...steps.map((s, i) => this.#lastRun[i] + s.everySeconds * 1000 - now));
  }

  /** Runs the steps that are due, in order; returns how many records they wrote. */
  async runDue(now: number): Promise<number> {
    const steps = this.scope.spec.steps ?? [];
    let written = 0;
    for (let i = 0; i < steps.length; i++) {
      if (now - this.#lastRun[i] < steps[i].everySeconds * 1000) continue;
      this.#lastRun[i] = now;
      try {
        written += await runStep(this.scope, steps[i]);
      } catch (error) {
        this.scope.board.problem(`steps.${i} (${steps[i].kind}): ${(error as Error).message}`);
      }
    }
    return written;
  }
}
