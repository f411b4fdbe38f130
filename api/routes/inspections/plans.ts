// Random-inspection plans and their draws (双随机, issue #27). A plan is written as a draft by its
// lead department (with the other departments of a 跨部门联合抽查), then committed: the commit
// fixes the plan's content hash and, from it and a value published beforehand, the seed — before
// the population is read — and starts the draw workflow (`draw-<planId>`), which keeps the
// population snapshot and draws from it. Anyone who reads the plan can fetch the snapshot and
// have the draw re-run (verify).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { and, eq, inArray } from 'drizzle-orm';
import { recordChange } from '../../../db/catalog.js';
import { drawById, listPlans, planById, targetsOf, type PlanRow } from '../../../db/queries/inspections.js';
import { departmentByCode } from '../../../db/queries/organization.js';
import { departments as departmentsTable, inspectionDraws, inspectionPlans, inspectors, supervisionItems } from '../../../db/schema/index.js';
import { actorOf, changeActorOf, type Principal } from '../../auth.js';
import { commitSchema, creditGrade, planSchema, riskGrade, type PlanBody } from '../../inspection-schemas.js';
import { conflict, forbidden, notFound, problems, unprocessable, workflowProblems } from '../../errors.js';
import { code, pagination } from '../../schemas.js';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { drawWorkflowId, planCommittedUpdate, type InspectionDrawInput, type PlanCommit, type VerifyDrawWorkflowInput } from '../../../workflows/contracts.js';
import type { inspectionDraw, verifyInspectionDraw } from '../../../workflows/inspectionDraw.js';
import { A_LOW_SHARE_WHEN_NOT_EXEMPT, DEFAULT_SHARES, PUBLICATION_WORKING_DAYS } from '../../../workflows/domain/inspection-policy.js';
import { callerRegion, inspectorView, planForLead, planForReader } from './scope.js';
import { caseEvents } from '../../../db/queries/cases.js';
import { event } from '../applications/view.js';

const tags = ['random-inspections'];
const errors = problems(400, 401, 403, 404, 409, 422);
const readers = ['supervision', 'regional-admin', 'operator'] as const;
const planParam = z.object({ planId: code });
const drawParam = z.object({ drawId: code });

const sharesOut = z.record(z.string(), z.record(z.string(), z.number()));
const planView = z
  .object({
    planId: z.string(),
    name: z.string(),
    regionCode: z.string(),
    leadDepartmentCode: z.string(),
    departments: z.array(z.string()),
    items: z.array(z.string()),
    itemsPerTarget: z.number().int().nullable(),
    filter: z.object({ industries: z.array(z.string()).optional(), creditGrades: z.array(z.string()).optional() }),
    shares: sharesOut.describe('the share per credit grade and risk grade the draw applies (policy defaults filled in)'),
    inspectorsPerTarget: z.number().int(),
    periodStart: z.string(),
    periodEnd: z.string(),
    publicationDays: z.number().int(),
    status: z.enum(['draft', 'committed', 'drawn']),
    contentHash: z.string().nullable().describe('sha-256 of the committed content (docs/random-inspections.md)'),
    beacon: z.string().nullable(),
    beaconSource: z.string().nullable(),
    seed: z.string().nullable().describe('sha-256 of "sg-draw-v1\\n" + contentHash + "\\n" + beacon, fixed at commit'),
    committedAt: z.string().nullable(),
  })
  .meta({ id: 'InspectionPlan' });
const toPlanView = (p: PlanRow): z.infer<typeof planView> => planView.parse({ ...p, committedAt: p.committedAt?.toISOString() ?? null });

/** The shares a plan draws with: the body's, the policy's where it names none; A-grade low-risk exempt unless it says not. */
function sharesOf(b: PlanBody): Record<string, Record<string, number>> {
  const given = b.shares as Record<string, Record<string, number | undefined> | undefined>;
  if (b.exemptALowRisk && (given.A?.low ?? 0) > 0) throw unprocessable('shares.A.low: A-grade low-risk entities are exempt (exemptALowRisk); set exemptALowRisk false to draw them');
  const out: Record<string, Record<string, number>> = {};
  for (const [grade, risks] of Object.entries(DEFAULT_SHARES)) {
    out[grade] = {};
    for (const [risk, share] of Object.entries(risks)) out[grade]![risk] = given[grade]?.[risk] ?? (grade === 'A' && risk === 'low' ? (b.exemptALowRisk ? 0 : A_LOW_SHARE_WHEN_NOT_EXEMPT) : share);
  }
  return out;
}

/** The plan's departments (the caller's first), each a supervision department of its region, and its items theirs. */
async function checkedPlan(app: FastifyInstance, p: Principal, b: PlanBody) {
  if (!p.department) throw forbidden('a plan is written by a supervision department: your token names none');
  if (!b.planId.startsWith(`${p.department}-`)) throw forbidden(`plan numbers are in the lead department's space: ${p.department}-…, not ${b.planId}`);
  const lead = await departmentByCode(app.db, p.department);
  if (!lead || lead.side !== 'supervision') throw forbidden(`${p.department} is not a supervision department`);
  const departments = [lead.code, ...new Set(b.departments.filter((d) => d !== lead.code))];
  const rows = await app.db.select().from(departmentsTable).where(inArray(departmentsTable.code, departments));
  for (const code of departments.slice(1)) {
    const d = rows.find((r) => r.code === code);
    if (!d) throw unprocessable(`departments: department ${code} does not exist`);
    if (d.side !== 'supervision' || d.regionCode !== lead.regionCode) throw unprocessable(`departments: ${code} is not a supervision department of region ${lead.regionCode}`);
  }
  const items = await app.db.select({ code: supervisionItems.code, department: supervisionItems.departmentCode }).from(supervisionItems).where(inArray(supervisionItems.code, b.items));
  for (const item of b.items) {
    const found = items.find((i) => i.code === item);
    if (!found) throw unprocessable(`items: supervision item ${item} does not exist`);
    if (!departments.includes(found.department)) throw unprocessable(`items: supervision item ${item} belongs to ${found.department}, which is not a department of the plan`);
  }
  return {
    planId: b.planId,
    name: b.name,
    regionCode: lead.regionCode,
    leadDepartmentCode: lead.code,
    departments,
    items: b.items,
    itemsPerTarget: b.itemsPerTarget ?? null,
    filter: b.filter,
    shares: sharesOf(b),
    inspectorsPerTarget: b.inspectorsPerTarget,
    periodStart: b.periodStart,
    periodEnd: b.periodEnd,
    publicationDays: b.publicationDays ?? PUBLICATION_WORKING_DAYS,
  };
}

async function readablePlan(app: FastifyInstance, p: Principal, planId: string): Promise<PlanRow> {
  const plan = await planById(app.db, planId);
  if (!plan) throw notFound(`plan ${planId}`);
  return planForReader(p, plan);
}

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

const planRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/inspection-plans', { config: { roles: ['supervision'] }, schema: { operationId: 'saveInspectionPlan', tags, summary: 'Create or change a draft random-inspection plan (抽查计划)', body: planSchema, response: { 200: planView, 201: planView, ...errors } } }, async (req, reply) => {
    const values = await checkedPlan(app, req.principal, req.body);
    const before = await planById(app.db, values.planId);
    if (before) planForLead(req.principal, before);
    if (before && before.status !== 'draft') throw conflict(`plan ${values.planId} is committed: its content is fixed`);
    const now = new Date();
    await app.db.transaction(async (tx) => {
      await tx.insert(inspectionPlans).values({ ...values, status: 'draft', createdBy: actorOf(req.principal) }).onConflictDoUpdate({ target: inspectionPlans.planId, set: { ...values, updatedAt: now }, where: eq(inspectionPlans.status, 'draft') });
      await recordChange(tx, { entity: 'inspection-plan', key: values.planId, action: before ? 'replace' : 'create', actor: changeActorOf(req.principal), before, after: values });
    });
    return reply.code(before ? 200 : 201).send(toPlanView((await planById(app.db, values.planId))!));
  });

  app.get('/v1/inspection-plans', { config: { roles: readers }, schema: { operationId: 'listInspectionPlans', tags, summary: 'Plans of the caller’s department (lead or joint), region, or all for an operator', response: { 200: z.object({ items: z.array(planView) }), ...errors } } }, async (req) => {
    const p = req.principal;
    const rows = await listPlans(app.db, p.role === 'supervision' ? { departmentCode: p.department ?? '(none)' } : { regionCode: await callerRegion(app, p) });
    return { items: rows.map(toPlanView) };
  });

  app.get('/v1/inspection-plans/:planId', { config: { roles: readers }, schema: { operationId: 'getInspectionPlan', tags, summary: 'A plan', params: planParam, response: { 200: planView, ...errors } } }, async (req) => toPlanView(await readablePlan(app, req.principal, req.params.planId)));

  app.post(
    '/v1/inspection-plans/:planId/commit',
    {
      config: { roles: ['supervision'] },
      schema: {
        operationId: 'commitInspectionPlan',
        tags,
        summary: 'Commit a plan: fix its content and seed, and start its draw',
        description: 'The seed is sha-256 of the committed content hash and a value published beforehand (beacon), fixed before the population is read; the draw (workflow draw-<planId>) then runs on its own: read it at GET /v1/inspection-draws/{planId}. Repeating the commit with the same beacon answers the same commit; another beacon is 409.',
        params: planParam,
        body: commitSchema,
        response: { 200: planView, 202: planView, ...workflowProblems },
      },
    },
    async (req, reply) => {
      const plan = await planById(app.db, req.params.planId);
      if (!plan) throw notFound(`plan ${req.params.planId}`);
      planForLead(req.principal, plan);
      if (plan.seed && plan.beacon !== req.body.beacon) throw conflict(`plan ${plan.planId} was committed with another beacon; its seed is fixed`);
      if (!plan.seed) {
        const roster = await app.db.select({ id: inspectors.id }).from(inspectors).where(and(inArray(inspectors.departmentCode, plan.departments), eq(inspectors.active, true)));
        if (roster.length < plan.inspectorsPerTarget) throw unprocessable(`the plan's departments have ${roster.length} active inspectors; each target needs ${plan.inspectorsPerTarget}`);
      }
      const commit = await commitAndDraw(app, { planId: plan.planId, beacon: req.body.beacon, beaconSource: req.body.beaconSource, actor: actorOf(req.principal) });
      // Two callers at once: the first's beacon was committed.
      if (commit.beacon !== req.body.beacon) throw conflict(`plan ${plan.planId} was committed meanwhile with another beacon; its seed is fixed`);
      return reply.code(plan.seed ? 200 : 202).send(toPlanView((await planById(app.db, plan.planId))!));
    },
  );

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

async function readableDraw(app: FastifyInstance, p: Principal, drawId: string): Promise<z.infer<typeof drawView>> {
  const d = await drawById(app.db, drawId);
  if (!d) throw notFound(`draw ${drawId}`);
  planForReader(p, (await planById(app.db, d.planId))!);
  return drawView.parse({ ...d, snapshotAt: d.snapshotAt.toISOString(), drawnAt: d.drawnAt?.toISOString() ?? null, lastVerifiedAt: d.lastVerifiedAt?.toISOString() ?? null });
}

/**
 * Starts the plan's draw (its id is the plan's: a retried commit joins it) and waits for the
 * commit it records first. A plan whose draw has closed answers from the read model.
 */
async function commitAndDraw(app: FastifyInstance, input: InspectionDrawInput): Promise<PlanCommit> {
  try {
    return await app.temporal.workflow.executeUpdateWithStart(planCommittedUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation<typeof inspectionDraw>('inspectionDraw', {
        workflowId: drawWorkflowId(input.planId),
        taskQueue: app.config.temporal.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `draw of plan ${input.planId}`,
      }),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const plan = (await planById(app.db, input.planId))!;
    return { planId: plan.planId, contentHash: plan.contentHash!, seed: plan.seed!, beacon: plan.beacon! };
  }
}

export default planRoutes;
