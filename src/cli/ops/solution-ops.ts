// What `tml solutions` and `tml models` do, on the local backbone (through the solutions' catalog) or
// on a tml server (through the SDK): the commands see only this interface.
import type { SolutionModels, SolutionModelsQuery, SolutionView } from '../../client/index.js';
import type { CommandContext } from '../context.js';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

export interface SolutionOps {
  /** From YAML or JSON text. */
  create(specText: string): Promise<SolutionView>;
  /** From YAML or JSON text: a merge patch of the spec (null removes a field). */
  update(name: string, patchText: string): Promise<SolutionView>;
  list(): Promise<SolutionView[]>;
  describe(name: string): Promise<SolutionView>;
  pause(name: string): Promise<SolutionView>;
  resume(name: string): Promise<SolutionView>;
  delete(name: string): Promise<void>;
  models(name: string, query: SolutionModelsQuery): Promise<SolutionModels>;
  entities(name: string): Promise<string[]>;
}

/** A patch file's object (YAML or JSON); anything else is a usage error. */
function parsePatch(text: string): Record<string, unknown> {
  let patch: unknown;
  try {
    patch = parseYaml(text);
  } catch (error) {
    throw new UsageError(`the patch is not valid YAML or JSON: ${(error as Error).message}`);
  }
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw new UsageError('the patch must be an object: the spec fields to change (null removes one)');
  }
  return patch as Record<string, unknown>;
}

/** Runs `work` on the server's solutions (with --server) or on the local backbone's. */
export async function withSolutionOps<T>(
  context: CommandContext,
  work: (ops: SolutionOps) => Promise<T>,
): Promise<T> {
  const remote = context.remote();
  if (remote !== undefined) {
    const { connect } = await import('../remote/connect.js');
    const { TmlApiError } = await import('../../client/index.js');
    const client = await connect(remote);
    return work({
      create: (text) =>
        client.createSolution(text).catch((error: unknown) => {
          // The spec file is the command's input: an invalid one is a usage error, nothing created.
          if (error instanceof TmlApiError && error.code === 'INVALID_SOLUTION_SPEC') {
            throw new UsageError(error.message);
          }
          throw error;
        }),
      update: (name, text) =>
        client.updateSolution(name, parsePatch(text)).catch((error: unknown) => {
          if (error instanceof TmlApiError && error.code === 'INVALID_SOLUTION_SPEC') {
            throw new UsageError(error.message);
          }
          throw error;
        }),
      list: () => client.listSolutions(),
      describe: (name) => client.describeSolution(name),
      pause: (name) => client.pauseSolution(name),
      resume: (name) => client.resumeSolution(name),
      delete: (name) => client.deleteSolution(name),
      models: (name, query) => client.solutionModels(name, query),
      entities: (name) => client.solutionEntities(name),
    });
  }
  const { openSolutionCatalog } = await import('../../solutions/catalog.js');
  const { registryAnswer } = await import('../../server/operations/solutions.js');
  const { solutionTopics } = await import('../../solutions/topics.js');
  const { parseSolutionSpecText } = await import('../../solutions/spec.js');
  const { SolutionSpecError } = await import('../../solutions/errors.js');
  return context.withBackbone(async (backbone) => {
    // The namespace's catalog (TML_NAMESPACE), the one `tml serve` and the workers use.
    const catalog = await openSolutionCatalog(backbone, {
      topics: solutionTopics(context.config().namespace),
    });
    return work({
      create: (text) => {
        let spec: unknown;
        try {
          spec = parseSolutionSpecText(text);
        } catch (error) {
          if (error instanceof SolutionSpecError) throw new UsageError(error.message);
          throw error;
        }
        return catalog.create(spec);
      },
      update: async (name, text) => {
        try {
          return await catalog.update(name, parsePatch(text));
        } catch (error) {
          if (error instanceof SolutionSpecError) throw new UsageError(error.message);
          throw error;
        }
      },
      list: () => catalog.list(),
      describe: (name) => catalog.describe(name),
      pause: (name) => catalog.pause(name),
      resume: (name) => catalog.resume(name),
      delete: (name) => catalog.delete(name),
      models: async (name, query) => {
        const entity = query.entity ?? '';
        const registry = await catalog.models(name, {
          entity,
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
        });
        // as the server answers it
        return registryAnswer(name, entity, registry);
      },
      entities: (name) => catalog.entities(name),
    });
  });
}
