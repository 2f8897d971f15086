// How /v1 checks requests against the route schemas: TypeBox's compiled checks. A JSON body is
// checked as it is — never coerced, so `{"topic":123}`, `["a"]`, `true` or `null` where text is
// expected are refused, not turned into "123", "a", "true" or "" as Ajv's default coercion would.
// Path and query parameters arrive as text and are converted to the schema's types first.
// Hand-written instead of @fastify/type-provider-typebox's TypeBoxValidatorCompiler because that one
// collects every error of a body (a 100,000-element array of wrong values: 100,000 errors); only
// the first is reported, so only the first is computed.
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';

export interface FirstError {
  /** JSON pointer of the offending value ('' for the whole body). */
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

export const strictValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  return (input: unknown) => {
    const value = httpPart === 'body' ? input : Value.Convert(schema, input);
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const path = first?.path ?? '';
    const message = first?.message ?? 'does not match the schema';
    const field = path.split('/').filter(Boolean).join('.');
    const params: Record<string, unknown> =
      message === 'Expected required property'
        ? { missingProperty: field }
        : message === 'Unexpected property'
          ? { additionalProperty: field }
          : {};
    const error: FirstError = { instancePath: path, message: lowerFirst(message), params };
    return { error: [error] as unknown as Error };
  };
};

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
