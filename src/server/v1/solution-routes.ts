// The /v1 routes of continuous solutions: create (JSON or YAML), list, describe, pause, resume, delete,
// and the model registry (champion, history, drift events) per entity.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { parseSolutionSpecText } from '../../solutions/spec.js';
import { requireRole } from '../auth/authenticator.js';
import {
  createSolution,
  deleteSolution,
  describeSolution,
  listSolutions,
  setSolutionRunning,
  solutionEntities,
  updateSolution,
  registryAnswer,
  solutionModels,
} from '../operations/solutions.js';
import type { ContextOf } from './plugin.js';
import { problems } from './schemas.js';
import * as S from './solution-schemas.js';

/** The media types a spec may be sent as besides JSON; the body arrives as text. */
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

export function registerSolutionRoutes(fastify: FastifyInstance, contextOf: ContextOf): void {
  // Request types come from the route schemas (the TypeBox type provider), never written twice.
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post(
    '/solutions',
    {
      schema: {
        operationId: 'createSolution',
        summary:
          'Create a running solution from its spec (admin); JSON, or YAML with Content-Type: application/yaml',
        tags: ['solutions'],
        body: S.SolutionSpecReply,
        bodyTypes: ['application/json', ...YAML_TYPES],
        response: { 201: S.SolutionViewSchema, ...problems(400, 403, 409, 422) },
      },
      // The solutions layer validates the spec (one validator, errors naming the spec's field, 422);
      // the schema above documents it.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      const context = contextOf(request);
      // The role before the spec: a user token learns nothing from the spec's errors.
      requireRole(context.principal, 'admin', 'create solution');
      const body = typeof request.body === 'string' ? parseSolutionSpecText(request.body) : request.body;
      return reply.code(201).send(await createSolution(context, body));
    },
  );

  app.get(
    '/solutions',
    {
      schema: {
        operationId: 'listSolutions',
        summary: 'List the solutions with their state and status',
        tags: ['solutions'],
        response: { 200: S.ListSolutionsReply, ...problems() },
      },
    },
    async (request) => ({ solutions: await listSolutions(contextOf(request)) }),
  );

  app.get(
    '/solutions/:name',
    {
      schema: {
        operationId: 'describeSolution',
        summary: "A solution's spec, state and status (condition, problems, retrains, champions)",
        tags: ['solutions'],
        params: S.SolutionParams,
        response: { 200: S.SolutionViewSchema, ...problems(404) },
      },
    },
    async (request) => describeSolution(contextOf(request), request.params.name),
  );

  for (const running of [false, true]) {
    app.post(
      `/solutions/:name/${running ? 'resume' : 'pause'}`,
      {
        schema: {
          operationId: running ? 'resumeSolution' : 'pauseSolution',
          summary: running
            ? 'Resume a paused solution (admin)'
            : 'Pause a solution (admin): it keeps its champion and registry but does nothing',
          tags: ['solutions'],
          params: S.SolutionParams,
          response: { 200: S.SolutionViewSchema, ...problems(403, 404) },
        },
      },
      async (request) => setSolutionRunning(contextOf(request), request.params.name, running),
    );
  }

  app.patch(
    '/solutions/:name',
    {
      schema: {
        operationId: 'updateSolution',
        summary:
          'Change a solution in place (admin): a JSON merge patch (RFC 7386) of its spec; it keeps its ' +
          'registry, champions and input offsets. Its inputs, entityKey, variables and task cannot change (409)',
        tags: ['solutions'],
        params: S.SolutionParams,
        body: S.SolutionPatch,
        response: { 200: S.SolutionViewSchema, ...problems(400, 403, 404, 409, 422) },
      },
      // as create: the solutions layer validates the patched spec (errors name the spec's field)
      validatorCompiler: () => () => true,
    },
    async (request) => {
      const context = contextOf(request);
      requireRole(context.principal, 'admin', 'update solution');
      return updateSolution(context, request.params.name, request.body);
    },
  );

  app.delete(
    '/solutions/:name',
    {
      schema: {
        operationId: 'deleteSolution',
        summary: 'Delete a solution and its model registry (admin); its output topics stay',
        tags: ['solutions'],
        params: S.SolutionParams,
        response: { 200: S.DeleteSolutionReply, ...problems(403, 404) },
      },
    },
    async (request) => {
      await deleteSolution(contextOf(request), request.params.name);
      return { deleted: request.params.name };
    },
  );

  app.get(
    '/solutions/:name/models',
    {
      schema: {
        operationId: 'solutionModels',
        summary: "A solution's model registry for one entity: champion, version history, drift events",
        tags: ['solutions'],
        params: S.SolutionParams,
        querystring: S.ModelsQuery,
        response: { 200: S.ModelsReply, ...problems(400, 404) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const entity = request.query.entity ?? '';
      const registry = await solutionModels(contextOf(request), name, {
        entity,
        ...(request.query.limit !== undefined ? { limit: request.query.limit } : {}),
      });
      return registryAnswer(name, entity, registry);
    },
  );

  app.get(
    '/solutions/:name/entities',
    {
      schema: {
        operationId: 'solutionEntities',
        summary: 'The entities (record keys) a solution has models for',
        tags: ['solutions'],
        params: S.SolutionParams,
        response: { 200: S.EntitiesReply, ...problems(404) },
      },
    },
    async (request) => ({
      solution: request.params.name,
      entities: await solutionEntities(contextOf(request), request.params.name),
    }),
  );
}
