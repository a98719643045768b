import { z } from 'zod';
import { ErrorCode } from '../../core/errors';
import { API_ROUTES, pathParams, type ApiRoute } from './api';
import { httpStatusFor } from './io';

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the routes' own zod schemas (zod 4's JSON Schema
 * output, draft 2020-12, which OpenAPI 3.1 uses as is). Built once per gateway.
 */
type Json = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
};

const ID_PATTERN = '^[A-Za-z0-9_-]{1,128}$';

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorReply' } } } });

/** The error statuses a route can answer, from the wire error codes it may meet. */
function errorStatuses(route: ApiRoute): number[] {
  const codes: string[] = [ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.VALIDATION_FAILED, ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT];
  if (pathParams(route.path).length) codes.push(ErrorCode.NOT_FOUND);
  if (route.method !== 'get') codes.push(ErrorCode.CONFLICT);
  return [...new Set(codes.map(httpStatusFor))].sort();
}

function operation(route: ApiRoute): Json {
  const parameters: Json[] = pathParams(route.path).map((name) => ({
    name, in: 'path', required: true, schema: { type: 'string', pattern: ID_PATTERN },
  }));
  if (route.query) {
    const q = jsonSchema(route.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema, ...(schema.description ? { description: schema.description } : {}) });
    }
  }
  if (route.idempotencyHeader) parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } });
  const ok = String(route.okStatus ?? 200);
  const responses: Json = { [ok]: { description: 'the runtime\'s reply', content: { 'application/json': { schema: { $ref: '#/components/schemas/DataReply' } } } } };
  for (const status of errorStatuses(route)) responses[String(status)] = errorResponse(`error (${status})`);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
    responses,
  };
}

export function buildOpenApi(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of API_ROUTES) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'gridtwin HTTP API',
      version,
      description: 'The same commands and queries as the NATS API (docs/asyncapi.yaml), with the same schemas. Unknown query parameters and body fields are refused (400 VALIDATION_FAILED).',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [...new Set(API_ROUTES.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        DataReply: { type: 'object', required: ['data'], properties: { data: {} } },
        ErrorReply: {
          type: 'object', required: ['error'],
          properties: {
            error: {
              type: 'object', required: ['code', 'message'],
              properties: { code: { type: 'string', enum: Object.values(ErrorCode) }, message: { type: 'string' }, details: {} },
            },
          },
        },
      },
    },
  };
}
