// The /v1 routes of AiMS (admin): the console's AiMS view and the SDK read the same.
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { setActivation } from '../operations/aims/activation.js';
import { aimsOverview } from '../operations/aims/overview.js';
import { aimsRules, runAimsRules, setAimsRules } from '../operations/aims/rules.js';
import * as S from './aims-schemas.js';
import type { ContextOf } from './plugin.js';
import { problems } from './schemas.js';

export function registerAimsRoutes(app: FastifyInstance, contextOf: ContextOf): void {
  app.get(
    '/aims',
    {
      schema: {
        operationId: 'aimsOverview',
        summary:
          'AiMS (admin): the cluster at a glance, each consumer id with its last read, bytes and active days, each topic with its last write',
        tags: ['aims'],
        response: { 200: S.AimsOverviewReply, ...problems(403) },
      },
    },
    async (request) => aimsOverview(contextOf(request)),
  );

  app.post<{ Body: Static<typeof S.ActivationBody> }>(
    '/aims/activation',
    {
      schema: {
        operationId: 'setActivation',
        summary:
          'Activate or deactivate consumer ids and topics, one or many (admin); a batch with an unknown name changes nothing',
        tags: ['aims'],
        body: S.ActivationBody,
        response: { 200: S.ActivationReply, ...problems(400, 403, 404) },
      },
    },
    async (request) => setActivation(contextOf(request), request.body),
  );

  app.get(
    '/aims/rules',
    {
      schema: {
        operationId: 'aimsRules',
        summary: "AiMS's rules (admin); all off until turned on",
        tags: ['aims'],
        response: { 200: S.RulesReply, ...problems(403) },
      },
    },
    async (request) => aimsRules(contextOf(request)),
  );

  app.put<{ Body: Static<typeof S.RulesBody> }>(
    '/aims/rules',
    {
      schema: {
        operationId: 'setAimsRules',
        summary: "Change AiMS's rules (admin): the fields given change, the others stay",
        tags: ['aims'],
        body: S.RulesBody,
        response: { 200: S.RulesReply, ...problems(400, 403) },
      },
    },
    async (request) => setAimsRules(contextOf(request), request.body),
  );

  app.post(
    '/aims/rules/run',
    {
      schema: {
        operationId: 'runAimsRules',
        summary: 'Apply the rules now (the server applies them every minute) and say what they did (admin)',
        tags: ['aims'],
        response: { 200: S.RunReply, ...problems(403) },
      },
    },
    async (request) => runAimsRules(contextOf(request)),
  );
}
