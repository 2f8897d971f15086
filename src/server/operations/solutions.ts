// The solutions operations as both faces (and the local CLI) call them: the catalog does the work;
// this adds who may do what. Changing a solution creates topics and starts or stops work on the
// machine, so creating, pausing, resuming and deleting need an admin token; reading needs any token.
import type { ModelRegistryView, SolutionView } from '../../solutions/catalog-types.js';
import { requireRole } from '../auth/authenticator.js';
import type { OperationContext } from './context.js';

export async function createSolution(context: OperationContext, spec: unknown): Promise<SolutionView> {
  requireRole(context.principal, 'admin', 'create solution');
  return (await context.solutions()).create(spec);
}

/** Changes a solution in place from a JSON merge patch of its spec (admin). */
export async function updateSolution(
  context: OperationContext,
  name: string,
  patch: unknown,
): Promise<SolutionView> {
  requireRole(context.principal, 'admin', 'update solution');
  return (await context.solutions()).update(name, patch);
}

export async function listSolutions(context: OperationContext): Promise<SolutionView[]> {
  return (await context.solutions()).list();
}

export async function describeSolution(context: OperationContext, name: string): Promise<SolutionView> {
  return (await context.solutions()).describe(name);
}

export async function setSolutionRunning(
  context: OperationContext,
  name: string,
  running: boolean,
): Promise<SolutionView> {
  requireRole(context.principal, 'admin', running ? 'resume solution' : 'pause solution');
  const catalog = await context.solutions();
  return running ? catalog.resume(name) : catalog.pause(name);
}

export async function deleteSolution(context: OperationContext, name: string): Promise<void> {
  requireRole(context.principal, 'admin', 'delete solution');
  await (await context.solutions()).delete(name);
}

export async function solutionModels(
  context: OperationContext,
  name: string,
  options: { entity?: string; limit?: number } = {},
): Promise<ModelRegistryView> {
  return (await context.solutions()).models(name, options);
}

/**
 * The registry as both faces answer it (`/v1` and the CLI's local mode): the champion with its
 * model, the history without each version's parameters (the champion's are above), the drift events.
 */
export function registryAnswer(solution: string, entity: string, registry: ModelRegistryView) {
  return {
    solution,
    entity,
    ...(registry.champion !== undefined ? { champion: registry.champion } : {}),
    history: registry.history.map(({ model: _model, ...version }) => version),
    drift: registry.drift,
  };
}

export async function solutionEntities(context: OperationContext, name: string): Promise<string[]> {
  return (await context.solutions()).entities(name);
}
