// The Fastify application: plugins, one error handler, route modules. server.ts is the one
// place that calls listen(); tests build the same app and call inject() or listen themselves.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger, { type SwaggerTransformObject } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AppConfig } from '../runtime/config.js';
import type { Database } from '../db/client.js';
import type { Principal, Role, Verifier } from './auth.js';
import { AuthError } from './auth.js';
import { HttpProblem, installErrorHandler, forbidden, unauthorized } from './errors.js';
import serviceRoutes from './routes/service.js';
import applicationRoutes from './routes/applications.js';
import taskRoutes from './routes/tasks.js';
import organizationRoutes from './routes/organization.js';
import calendarRoutes from './routes/calendar.js';
import catalogRoutes from './routes/catalog.js';
import catalogImportRoutes from './routes/catalog-import.js';
import insightRoutes from './routes/insight.js';
import smsRoutes from './routes/sms.js';
import { createMetrics } from './metrics.js';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import rateLimit from '@fastify/rate-limit';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on this route; absent means the route is public. */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyInstance {
    deps: AppDeps;
  }
}

export interface AppDeps {
  config: AppConfig;
  database: Database;
  temporal: Client;
  verifier: Verifier;
}

export async function buildApp(deps: AppDeps, options: { logger?: Logger | boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: typeof options.logger === 'object' ? (options.logger as FastifyBaseLogger) : undefined,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: 256 * 1024, // applications carry material names, not documents
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();
  // JSON in and out (bulk imports add text/csv): a text/plain body is 415, not a schema error.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('deps', deps);
  app.decorateRequest('principal', undefined as unknown as Principal);
  installErrorHandler(app);

  // Per-client rate limit; answered as problem+json 429 by the error handler. It runs in each
  // route's onRequest hooks, so the token check below runs after it, in preParsing (still
  // before the body is read): requests with bad tokens count against the limit too — each
  // failed check costs a signature verification, and failures are never cached.
  await app.register(rateLimit, { max: deps.config.env.RATE_LIMIT_MAX, timeWindow: '1 minute' });

  // Authentication and role checks in one place: every route declares its roles.
  app.addHook('preParsing', async (req) => {
    const roles = req.routeOptions.config.roles;
    if (!roles) return;
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw unauthorized('a Bearer token is required');
    try {
      req.principal = await deps.verifier.verify(header.slice(7).trim());
    } catch (err) {
      if (err instanceof AuthError) throw unauthorized(err.message);
      throw err;
    }
    if (!roles.includes(req.principal.role)) {
      throw forbidden(`role ${req.principal.role} may not ${req.method} ${req.routeOptions.url}; allowed: ${roles.join(', ')}`);
    }
  });

  // Security headers on every answer (helmet's defaults); the CSP is left to Swagger UI's own
  // page (staticCSP). Without a per-request CSP nonce they are the same for every answer, so
  // they are computed once: @fastify/helmet built helmet's middleware again on every request.
  const securityHeaders = helmetHeaders({ contentSecurityPolicy: false });
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });

  const metrics = createMetrics(deps.database.db);
  metrics.install(app);
  // For Prometheus: an operator token, or the scrape token when METRICS_TOKEN is set.
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const scrape = deps.config.env.METRICS_TOKEN;
    if (!(scrape && token === scrape)) {
      let principal: Principal | undefined;
      try {
        principal = token ? await deps.verifier.verify(token) : undefined;
      } catch {
        principal = undefined;
      }
      if (!principal) throw unauthorized('an operator token or the scrape token is required');
      if (principal.role !== 'operator') throw forbidden('metrics are for operators');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // PostgreSQL text cannot hold U+0000: refused here, once for every route, so it can never
  // reach an activity (where it would be retried forever and stall the case).
  app.addHook('preValidation', async (req) => {
    const where = findNul({ body: req.body, query: req.query, params: req.params });
    if (where) throw new HttpProblem(400, 'validation', 'Invalid request', `${where}: contains a NUL character (U+0000)`);
  });

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

  await app.register(serviceRoutes);
  await app.register(applicationRoutes);
  await app.register(taskRoutes);
  await app.register(organizationRoutes);
  await app.register(calendarRoutes);
  await app.register(catalogRoutes);
  await app.register(catalogImportRoutes);
  await app.register(insightRoutes);
  await app.register(smsRoutes);
  return app;
}

/** The headers helmet sets with these options, as a plain map (helmet run once on a stand-in response). */
function helmetHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

/** The path of the first string containing U+0000, or null. */
function findNul(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(body)' : null;
  if (Buffer.isBuffer(value)) return value.includes(0) ? path || '(body)' : null; // a CSV upload
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], `${path}.${i}`);
      if (hit) return hit;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return `${path}.${k.replaceAll('\u0000', '\\0')}`;
      const hit = findNul(v, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return null;
}

type OpenApiDocument = { paths?: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>> };

/** Moves every 4xx/5xx body from application/json to application/problem+json. */
export function declareProblemBodies<T extends OpenApiDocument>(doc: T): T {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item)) {
      for (const [status, response] of Object.entries(op?.responses ?? {})) {
        const content = response?.content;
        if (!/^[45]/.test(status) || !content?.['application/json']) continue;
        response.content = { 'application/problem+json': content['application/json'] };
      }
    }
  }
  return doc;
}
