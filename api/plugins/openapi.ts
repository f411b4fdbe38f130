// The OpenAPI 3.1 document at /openapi.json, browsable at /docs: the contract clients are
// generated from (docs/openapi.json is its committed copy, client/schema.d.ts the types
// openapi-typescript makes of it; `npm run openapi` refreshes both). Registered before the
// routes, so every route's schema (operationId, params, body, each response status, tags) is
// in it. Zod schemas given an id (`.meta({ id })`) become named components, referenced by
// $ref; api/openapi-links.ts adds the links between operations that stateful clients (and
// schemathesis' stateful phase) follow.
import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import swagger, { type SwaggerTransformObject } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemSchema } from '../errors.js';
import { addLinks } from '../openapi-links.js';

type Json = Record<string, unknown>;
type Operation = { operationId?: string; responses?: Record<string, { content?: Record<string, unknown>; links?: Json }> };
export type OpenApiDocument = { openapi: string; paths?: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } & Json } & Json;

// Named here rather than where it is defined (api/errors.ts): every error body is this one type.
z.globalRegistry.add(problemSchema, {
  id: 'Problem',
  description: 'An error (RFC 9457 problem details); `errors` lists the fields of a malformed request',
  examples: [{ type: 'urn:shenguan:problem:not-found', title: 'Not found', status: 404, detail: 'application LYG-SPJ-2026-0001 does not exist' }],
});

/**
 * Declares every 4xx/5xx body as application/problem+json: moved from application/json, or from
 * the media types a route produces on success (a file download's), which its errors are not.
 */
export function declareProblemBodies<T extends OpenApiDocument>(doc: T): T {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item)) {
      for (const [status, response] of Object.entries(op?.responses ?? {})) {
        const content = response?.content;
        const body = content?.['application/json'] ?? Object.values(content ?? {})[0];
        if (!/^[45]/.test(status) || !body) continue;
        response.content = { 'application/problem+json': body };
      }
    }
  }
  return doc;
}

/** A response the route's schema gave no description of is described by its status: "Not Found", not "Default Response". */
export function describeResponses<T extends OpenApiDocument>(doc: T): T {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item)) {
      for (const [status, response] of Object.entries(op?.responses ?? {}) as Array<[string, { description?: string }]>) {
        if (response.description === 'Default Response') response.description = STATUS_CODES[status] ?? status;
      }
    }
  }
  return doc;
}

/**
 * Keeps the components the paths reach. The zod provider emits every registered schema twice,
 * as an input (`…Input`) and an output; a response-only type has no use for its input twin.
 */
export function pruneComponents<T extends OpenApiDocument>(doc: T): T {
  const schemas = doc.components?.schemas;
  if (!schemas) return doc;
  const reached = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      const name = k === '$ref' && typeof x === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(x)?.[1] : undefined;
      if (name && !reached.has(name)) {
        reached.add(name);
        visit(schemas[name]);
      } else visit(x);
    }
  };
  visit(doc.paths);
  doc.components!.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => reached.has(name)));
  return doc;
}

/** The document as served: named components, problem bodies, links, nothing unreachable. */
const finish: SwaggerTransformObject = (input) => {
  const doc = jsonSchemaTransformObject(input) as unknown as OpenApiDocument;
  return pruneComponents(addLinks(describeResponses(declareProblemBodies(doc)))) as unknown as ReturnType<SwaggerTransformObject>;
};

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'shenguan — 审管联动 API',
          version: '1.0.0',
          description: 'Approval cases, supervision tasks and the audit trail of the closed loop between approval and supervision.',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: finish,
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
