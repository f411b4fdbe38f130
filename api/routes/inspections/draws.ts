// What a committed plan's draw left to read, by anyone who reads the plan: the plan's trail, the
// draw (seed, snapshot hash, classes, result hash), the snapshot document, the targets — and a
// re-run of the draw from its recorded seed and snapshot (verify).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eq, inArray } from 'drizzle-orm';
import { drawById, planById, targetsOf } from '../../../db/queries/inspections.js';
import { caseEvents } from '../../../db/queries/cases.js';
import { inspectionDraws, inspectors } from '../../../db/schema/index.js';
import { actorOf, type Principal } from '../../auth.js';
import { creditGrade, riskGrade } from '../../inspection-schemas.js';
import { notFound, workflowProblems } from '../../errors.js';
import { code, pagination } from '../../schemas.js';
import type { VerifyDrawWorkflowInput } from '../../../workflows/contracts.js';
import type { verifyInspectionDraw } from '../../../workflows/inspectionDraw.js';
import { event } from '../applications/view.js';
import { errors, readers, tags } from './common.js';
import { planParam, readablePlan } from './plan-views.js';
import { inspectorView, planForReader } from './scope.js';

const drawParam = z.object({ drawId: code });

const drawView = z
  .object({
    drawId: z.string(),
    planId: z.string(),
    algorithm: z.string(),
    seed: z.string(),
    snapshotHash: z.string().describe('sha-256 of the snapshot document (GET …/snapshot)'),
    populationSize: z.number().int(),
    status: z.enum(['snapshotted', 'drawn']),
    resultHash: z.string().nullable(),
    classes: z.array(z.object({ creditGrade, riskGrade, population: z.number().int(), share: z.number(), drawn: z.number().int() })).nullable(),
    unstaffed: z.array(z.string()).nullable().describe('entities drawn that had fewer eligible inspectors than the plan needs: not targets'),
    snapshotAt: z.string(),
    drawnAt: z.string().nullable(),
    lastVerifiedAt: z.string().nullable(),
    lastVerified: z.boolean().nullable(),
  })
  .meta({ id: 'InspectionDraw' });

const verification = z.object({ drawId: z.string(), verificationId: z.string().describe('this re-run (its workflow id, and its step on the plan’s trail)'), verified: z.boolean(), snapshotHash: z.string(), resultHash: z.string().nullable(), problems: z.array(z.string()) }).meta({ id: 'DrawVerification' });

async function readableDraw(app: FastifyInstance, p: Principal, drawId: string): Promise<z.infer<typeof drawView>> {
  const d = await drawById(app.db, drawId);
  if (!d) throw notFound(`draw ${drawId}`);
  planForReader(p, (await planById(app.db, d.planId))!);
  return drawView.parse({ ...d, snapshotAt: d.snapshotAt.toISOString(), drawnAt: d.drawnAt?.toISOString() ?? null, lastVerifiedAt: d.lastVerifiedAt?.toISOString() ?? null });
}

const drawRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/v1/inspection-plans/:planId/events', { config: { roles: readers }, schema: { operationId: 'listInspectionPlanEvents', tags, summary: 'The plan’s trail (hash-chained like a case’s): commit, snapshot, draw, verifications, results, publications, withdrawals', params: planParam, response: { 200: z.object({ items: z.array(event) }), ...errors } } }, async (req) => {
    const plan = await readablePlan(app, req.principal, req.params.planId);
    const rows = await caseEvents(app.db, `plan:${plan.planId}`);
    return { items: rows.map((e) => ({ id: e.id, at: e.at.toISOString(), kind: e.kind, summary: e.summary, taskId: e.taskId, actor: e.actor, detail: e.detail })) };
  });

  app.get('/v1/inspection-draws/:drawId', { config: { roles: readers }, schema: { operationId: 'getInspectionDraw', tags, summary: 'A plan’s draw: seed, snapshot hash, classes, result hash (the draw’s id is its plan’s)', params: drawParam, response: { 200: drawView, ...errors } } }, async (req) => readableDraw(app, req.principal, req.params.drawId));

  app.get('/v1/inspection-draws/:drawId/snapshot', { config: { roles: readers }, schema: { operationId: 'getInspectionDrawSnapshot', tags, summary: 'The snapshot document the draw was drawn from (text/plain; no personal data), to re-run it (docs/random-inspections.md)', params: drawParam, produces: ['text/plain'], response: { 200: z.string(), ...errors } } }, async (req, reply) => {
    await readableDraw(app, req.principal, req.params.drawId);
    const [row] = await app.db.select({ snapshot: inspectionDraws.snapshot }).from(inspectionDraws).where(eq(inspectionDraws.drawId, req.params.drawId));
    return reply.type('text/plain; charset=utf-8').send(row!.snapshot);
  });

  const targetView = z.object({ ordinal: z.number().int(), creditCode: z.string(), creditGrade, riskGrade, items: z.array(z.string()), inspectors: z.array(z.object({ id: z.string(), name: z.string(), departmentCode: z.string() })) }).meta({ id: 'DrawTarget' });
  app.get('/v1/inspection-draws/:drawId/targets', { config: { roles: readers }, schema: { operationId: 'listDrawTargets', tags, summary: 'The targets drawn, each with its items and inspectors (names masked outside their department)', params: drawParam, querystring: z.object(pagination).strict(), response: { 200: z.object({ items: z.array(targetView), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }), ...errors } } }, async (req) => {
    await readableDraw(app, req.principal, req.params.drawId);
    const { items, total } = await targetsOf(app.db, req.params.drawId, req.query);
    const ids = [...new Set(items.flatMap((t) => t.inspectorIds))];
    const roster = new Map((ids.length ? await app.db.select().from(inspectors).where(inArray(inspectors.id, ids)) : []).map((i) => [i.id, inspectorView(i, req.principal)]));
    return {
      items: items.map((t) => ({ ordinal: t.ordinal, creditCode: t.creditCode, creditGrade: t.creditGrade as 'A', riskGrade: t.riskGrade as 'low', items: t.items, inspectors: t.inspectorIds.map((id) => ({ id, name: roster.get(id)?.name ?? '', departmentCode: roster.get(id)?.departmentCode ?? '' })) })),
      total,
      limit: req.query.limit,
      offset: req.query.offset,
    };
  });

  app.post('/v1/inspection-draws/:drawId/verify', { config: { roles: readers }, schema: { operationId: 'verifyInspectionDraw', tags, summary: 'Re-run the draw from its recorded seed and snapshot; verified only if the snapshot is unchanged and the result the same', params: drawParam, response: { 200: verification, ...workflowProblems } } }, async (req) => {
    await readableDraw(app, req.principal, req.params.drawId);
    const input: VerifyDrawWorkflowInput = { drawId: req.params.drawId, actor: actorOf(req.principal) };
    const verificationId = `draw-verify-${req.params.drawId}-${randomUUID()}`;
    const v = await app.temporal.workflow.execute<typeof verifyInspectionDraw>('verifyInspectionDraw', { workflowId: verificationId, taskQueue: app.config.temporal.taskQueue, args: [input], staticSummary: `re-run of draw ${req.params.drawId}` });
    return { drawId: req.params.drawId, verificationId, ...(v as { verified: boolean; snapshotHash: string; resultHash: string | null; problems: string[] }) };
  });
};

export default drawRoutes;
