// The OpenAPI document at /openapi.json, browsable at /docs. Registered before the routes, so
// every route's schema (params, body, each response status, tags) is in it.
import fp from 'fastify-plugin';
import swagger, { type SwaggerTransformObject } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

type OpenApiDocument = { paths?: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>> };

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

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'shenguan — 审管联动 API',
          version: '1.0.0',
          description: 'Approval cases, supervision tasks and the audit trail of the closed loop between approval and supervision.',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      transform: jsonSchemaTransform,
      // Errors are answered as application/problem+json (RFC 9457), so the document says so.
      transformObject: (doc) => ('openapiObject' in doc ? declareProblemBodies(doc.openapiObject as OpenApiDocument) : doc.swaggerObject) as ReturnType<SwaggerTransformObject>,
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
