// An officer's conflicts of interest (回避): the entities they may not inspect, once per pair.
// Read and written by whoever may write the officer's roster entry (scope.ts outsideRoster).
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { recordChange } from '../../../db/catalog.js';
import { conflictsOf, inspectorById, type InspectorRow } from '../../../db/queries/inspections.js';
import { inspectorConflicts } from '../../../db/schema/index.js';
import { actorOf, changeActorOf, type Principal } from '../../auth.js';
import { conflictSchema } from '../../inspection-schemas.js';
import { notFound } from '../../errors.js';
import { code } from '../../schemas.js';
import { errors, tags, writers } from './common.js';
import { mayWriteRoster, outsideRoster } from './scope.js';

const conflictRoutes: FastifyPluginAsyncZod = async (app) => {
  const inspectorParam = z.object({ id: code });
  const conflictView = z.object({ inspectorId: z.string(), creditCode: z.string(), reason: z.string(), recordedAt: z.string() }).meta({ id: 'InspectorConflict' });
  /** An officer the caller may act for: their department (or division), a regional admin of its region. */
  async function rosterEntry(p: Principal, id: string): Promise<InspectorRow> {
    const i = await inspectorById(app.db, id);
    if (!i) throw notFound(`inspector ${id}`);
    mayWriteRoster(await outsideRoster(app, p, i.departmentCode, p.division ? i.divisionCode : undefined));
    return i;
  }
  app.get('/v1/inspectors/:id/conflicts', { config: { roles: writers }, schema: { operationId: 'listInspectorConflicts', tags, summary: 'An officer’s conflicts of interest (回避)', params: inspectorParam, response: { 200: z.object({ items: z.array(conflictView) }), ...errors } } }, async (req) => {
    const i = await rosterEntry(req.principal, req.params.id);
    return { items: (await conflictsOf(app.db, i.id)).map((c) => ({ inspectorId: c.inspectorId, creditCode: c.creditCode, reason: c.reason, recordedAt: c.recordedAt.toISOString() })) };
  });
  app.post('/v1/inspectors/:id/conflicts', { config: { roles: writers }, schema: { operationId: 'recordInspectorConflict', tags, summary: 'Record that an officer may not inspect an entity (回避); once per pair', params: inspectorParam, body: conflictSchema, response: { 200: conflictView, 201: conflictView, ...errors } } }, async (req, reply) => {
    const i = await rosterEntry(req.principal, req.params.id);
    const row = await app.db.transaction(async (tx) => {
      const [r] = await tx.insert(inspectorConflicts).values({ inspectorId: i.id, creditCode: req.body.creditCode, reason: req.body.reason, recordedBy: actorOf(req.principal) }).onConflictDoNothing().returning();
      if (r) await recordChange(tx, { entity: 'inspector-conflict', key: `${i.id}:${r.creditCode}`, action: 'create', actor: changeActorOf(req.principal), after: { inspectorId: i.id, creditCode: r.creditCode, reason: r.reason } });
      return r;
    });
    const kept = row ?? (await conflictsOf(app.db, i.id)).find((c) => c.creditCode === req.body.creditCode)!;
    return reply.code(row ? 201 : 200).send({ inspectorId: kept.inspectorId, creditCode: kept.creditCode, reason: kept.reason, recordedAt: kept.recordedAt.toISOString() });
  });
};

export default conflictRoutes;
