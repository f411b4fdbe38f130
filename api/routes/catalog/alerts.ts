// Routing exceptions: cases approved for an item with no confirmed linkage (unrouted).
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listAlerts } from '../../../db/queries/catalog.js';
import { errors } from './scope.js';

const alert = z.object({ id: z.number().int(), kind: z.string(), regionCode: z.string(), applicationNo: z.string().nullable(), itemCode: z.string().nullable(), message: z.string(), raisedAt: z.string(), resolvedAt: z.string().nullable(), resolution: z.string().nullable() });

const alertRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/alerts',
    {
      config: { roles: ['regional-admin', 'operator'] },
      schema: {
        operationId: 'listAlerts',
        tags: ['catalog'],
        summary: 'Routing exceptions: cases approved for an item with no confirmed linkage (unrouted)',
        querystring: z.object({ open: z.enum(['true', 'false']).default('true') }).strict(),
        response: { 200: z.object({ items: z.array(alert) }), ...errors },
      },
    },
    async (req) => {
      // A regional admin sees its own region's alerts.
      const regionCode = req.principal.role === 'regional-admin' ? (req.principal.region ?? '-') : undefined;
      const rows = await listAlerts(app.db, { regionCode, open: req.query.open === 'true' });
      return { items: rows.map((a) => ({ ...a, raisedAt: a.raisedAt.toISOString(), resolvedAt: a.resolvedAt?.toISOString() ?? null })) };
    },
  );
};

export default alertRoutes;
