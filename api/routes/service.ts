import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { databaseReachable } from '../../db/client.js';

const health = z.object({ status: z.literal('ok') });
const readiness = z.object({ status: z.enum(['ready', 'not-ready']), postgres: z.boolean(), temporal: z.boolean() });

const serviceRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', { schema: { operationId: 'getHealth', tags: ['service'], summary: 'The process is up', security: [], response: { 200: health } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    { schema: { operationId: 'getReadiness', tags: ['service'], summary: 'PostgreSQL and Temporal are reachable', security: [], response: { 200: readiness, 503: readiness } } },
    async (_req, reply) => {
      const [postgres, temporal] = await Promise.all([databaseReachable(app.db), app.temporal.workflowService.getSystemInfo({}).then(() => true, () => false)]);
      const ready = postgres && temporal;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', postgres, temporal });
    },
  );
};

export default serviceRoutes;
