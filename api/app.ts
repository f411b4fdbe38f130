// The Fastify application: shared services as plugins (each closes what it opened in onClose),
// one error handler, route modules. server.ts is the one place that calls listen(); tests build
// the same app and call inject() or listen themselves, handing in services they own.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AppConfig } from '../runtime/config.js';
import type { Database } from '../db/client.js';
import type { DocumentStore } from '../db/documents.js';
import type { Verifier } from './auth.js';
import { installErrorHandler } from './errors.js';
import { installRequestId, requestIdOf, REQUEST_ID_LOG_LABEL } from './request-id.js';
import database from './plugins/database.js';
import temporal from './plugins/temporal.js';
import documents from './plugins/documents.js';
import pdf, { type PdfPrinter } from './plugins/pdf.js';
import authentication from './plugins/authentication.js';
import security from './plugins/security.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import routes from './routes/index.js';
import { flushTracing, tracingOn } from '../runtime/tracing.js';

const httpTracing = new FastifyOtelInstrumentation({
  registerOnInitialization: false,
  // The request's own span and its handler's; the lifecycle hooks' spans would only be noise.
  instrumentHooks: false,
  ignorePaths: ({ url }) => url === '/healthz' || url === '/readyz' || url === '/metrics',
});

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig;
  }
}

/** The services the app uses. Given ones stay their owner's; missing ones the app opens from the config and closes itself. */
export interface AppDeps {
  config: AppConfig;
  database?: Database;
  temporal?: Client;
  verifier?: Verifier;
  /** Where uploaded files are kept; the default keeps them in PostgreSQL (db/documents.ts). */
  documents?: DocumentStore;
  /** What prints PDFs (the monthly 通报); the default launches Chromium on first use (plugins/pdf.ts). */
  pdf?: PdfPrinter;
}

export async function buildApp(deps: AppDeps, options: { logger?: Logger | boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: typeof options.logger === 'object' ? (options.logger as FastifyBaseLogger) : undefined,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: 256 * 1024, // applications carry material names and document ids; files have their own route and limit
    trustProxy: deps.config.env.TRUST_PROXY,
    ajv: { customOptions: { removeAdditional: false } },
    // The caller's x-request-id when acceptable, else a new one (api/request-id.ts): not
    // Fastify's requestIdHeader, which would trust any header as it is.
    requestIdHeader: false,
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: REQUEST_ID_LOG_LABEL }),
    // The Temporal plugin may wait for a server that is not up yet (plugins/temporal.ts): the
    // app is not ready before it connects, or gives up and says why.
    pluginTimeout: deps.temporal ? 10_000 : deps.config.env.TEMPORAL_CONNECT_TIMEOUT_MS + 10_000,
  }).withTypeProvider<ZodTypeProvider>();
  // JSON in and out (bulk imports add text/csv): a text/plain body is 415, not a schema error.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('config', deps.config);
  installRequestId(app);
  installErrorHandler(app);
  if (tracingOn()) {
    // A span per request, the parent of its Temporal call and SQL statements (runtime/tracing.ts);
    // registered first, so it sees every route. Not registered at all while tracing is off.
    await app.register(httpTracing.plugin());
    app.addHook('onClose', () => flushTracing());
  }

  await app.register(database, { config: deps.config, database: deps.database });
  await app.register(temporal, { config: deps.config, temporal: deps.temporal });
  await app.register(documents, { documents: deps.documents });
  await app.register(pdf, { pdf: deps.pdf, chromiumPath: deps.config.env.CHROMIUM_PATH });
  // The verifier is registered after the limit (authentication runs after it per request).
  await app.register(security, { rateLimitMax: deps.config.env.RATE_LIMIT_MAX, verifier: () => (app.hasDecorator('verifier') ? app.verifier : undefined) });
  await app.register(authentication, { config: deps.config, verifier: deps.verifier });
  // Before every route it documents (GET /metrics too): the document is made of the routes registered after it.
  await app.register(openapi);
  await app.register(metrics, { scrapeToken: deps.config.env.METRICS_TOKEN });
  await app.register(routes);
  return app;
}
