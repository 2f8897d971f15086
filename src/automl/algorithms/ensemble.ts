// A weighted average of other algorithms' models (regression values, or class-1 probabilities), as
// H2O's and AutoGluon's ensembles of their best candidates. Never planned as a candidate: the
// selection builds one from the candidates' holdout predictions (selection/ensemble.ts) and fits it
// here on the whole window. The members are plain data, so the model stays JSON: its
// hyperparameters name the members (a JSON string, hyperparameters being flat), its parameters hold
// each member's own parameters.
import type { Algorithm, Hyperparameters, ModelParameters } from '../algorithm.js';
import type { Dataset, Task } from '../dataset.js';
import { InvalidHyperparameterError } from '../errors.js';

export interface EnsembleMember {
  algorithm: string;
  hyperparameters: Hyperparameters;
  weight: number;
}

interface FittedMember {
  algorithm: string;
  weight: number;
  parameters: ModelParameters;
}

/** The registry, passed in to avoid an import cycle with algorithms/index.ts. */
type Lookup = (name: string, task?: Task) => Algorithm;

export function ensembleHyperparameters(members: EnsembleMember[]): Hyperparameters {
  return { members: JSON.stringify(members) };
}

/**
 * The member list read last, kept: a champion fitted again on every row (a solution's
 * `retrain.refresh`) would otherwise parse and check the same text on each fit. Read-only.
 */
let lastRead: { text: string; members: readonly EnsembleMember[] } | undefined;

function readMembers(hyperparameters: Hyperparameters): readonly EnsembleMember[] {
  const raw = hyperparameters.members;
  if (typeof raw === 'string' && lastRead?.text === raw) return lastRead.members;
  let members: unknown;
  try {
    members = typeof raw === 'string' ? JSON.parse(raw) : undefined;
  } catch {
    members = undefined;
  }
  if (!Array.isArray(members) || members.length === 0) {
    throw new InvalidHyperparameterError(
      'ensemble',
      'members',
      'must be a JSON array of {algorithm, hyperparameters, weight}',
    );
  }
  for (const m of members as EnsembleMember[]) {
    if (typeof m?.algorithm !== 'string' || m.algorithm === 'ensemble' || !(m.weight > 0)) {
      throw new InvalidHyperparameterError(
        'ensemble',
        'members',
        `each member needs an algorithm (not ensemble) and a weight > 0, got ${JSON.stringify(m)}`,
      );
    }
  }
  if (typeof raw === 'string') lastRead = { text: raw, members: members as EnsembleMember[] };
  return members as EnsembleMember[];
}

export function ensembleAlgorithm(lookup: Lookup): Algorithm {
  return {
    name: 'ensemble',
    tasks: ['regression', 'classification'],
    composite: true,
    defaults: () => ({}),
    candidates: () => [],
    fit(data: Dataset, hyperparameters: Hyperparameters, task: Task): ModelParameters {
      const members = readMembers(hyperparameters);
      const total = members.reduce((s, m) => s + m.weight, 0);
      const fitted: FittedMember[] = members.map((m) => ({
        algorithm: m.algorithm,
        weight: m.weight / total,
        parameters: lookup(m.algorithm, task).fit(data, m.hyperparameters, task),
      }));
      return { members: fitted };
    },
    predict(parameters, x, rows, features, out) {
      const members = parameters.members as FittedMember[];
      const one = new Float64Array(rows);
      out.fill(0, 0, rows);
      for (const m of members) {
        lookup(m.algorithm).predict(m.parameters, x, rows, features, one);
        for (let r = 0; r < rows; r++) out[r] += m.weight * one[r];
      }
    },
  };
}
