// Builds the OpenAPI 3.1 document from the route schemas collected as routes are registered. Written
// here (about 80 lines) instead of adding @fastify/swagger and its UI assets: the routes already carry
// TypeBox (JSON Schema 2020-12 compatible) schemas, which OpenAPI 3.1 embeds as they are.
import type { RouteOptions } from 'fastify';

type Json = Record<string, unknown>;

export interface RouteDoc {
  method: string;
  url: string;
  schema: Json;
}

/** Fastify's `/topics/:topic` → OpenAPI's `/topics/{topic}`. */
function openapiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Drops TypeBox's symbol keys and rewrites `$ref: 'Problem'` to the components section. */
function clean(schema: unknown): unknown {
  const text = JSON.stringify(schema);
  return JSON.parse(text.replace(/"\$ref":"([A-Za-z]+)"/g, '"$ref":"#/components/schemas/$1"'));
}

function parametersOf(schema: Json | undefined, where: 'path' | 'query'): Json[] {
  if (schema === undefined) return [];
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: clean(s),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
  }));
}

export function collectRoute(routes: RouteDoc[], route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const schema = (route.schema ?? {}) as Json;
  if (schema.hide === true) return;
  for (const method of methods) {
    if (method === 'HEAD') continue;
    routes.push({ method: method.toLowerCase(), url: route.url.replace(/^\/v1(?=\/)/, ''), schema });
  }
}

export function buildOpenApi(routes: RouteDoc[], components: Record<string, unknown>, version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const { method, url, schema } of routes) {
    const path = openapiPath(url);
    const responses: Record<string, Json> = {};
    for (const [status, s] of Object.entries((schema.response ?? {}) as Record<string, Json>)) {
      const type = Number(status) >= 400 ? 'application/problem+json' : 'application/json';
      responses[status] = {
        description: (s.description as string) ?? `HTTP ${status}`,
        content: { [type]: { schema: clean(s) } },
      };
    }
    const operation: Json = {
      operationId: schema.operationId,
      summary: schema.summary,
      tags: schema.tags,
      parameters: [
        ...parametersOf(schema.params as Json | undefined, 'path'),
        ...parametersOf(schema.querystring as Json | undefined, 'query'),
      ],
      responses,
      ...(schema.security ? { security: schema.security } : {}),
    };
    if (schema.body) {
      operation.requestBody = {
        required: true,
        content: Object.fromEntries(
          ((schema.bodyTypes as string[] | undefined) ?? ['application/json']).map((type) => [
            type,
            { schema: type === 'application/json' ? clean(schema.body) : { type: 'string' } },
          ]),
        ),
      };
    }
    (paths[path] ??= {})[method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tml',
      version,
      description:
        'The typed JSON API of tml. The VIPER-compatible GET API is described in docs/viper-compatibility.md.',
    },
    servers: [{ url: '/v1' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: clean(components),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A tml token (tml token create)' },
      },
    },
  };
}

declare module 'fastify' {
  interface FastifySchema {
    operationId?: string;
    summary?: string;
    tags?: string[];
    /** Left out of the OpenAPI document. */
    hide?: boolean;
    security?: Record<string, string[]>[];
    /** The request body's media types, when not only JSON (a YAML one is documented as text). */
    bodyTypes?: string[];
  }
}
