// A random-inspection plan (抽查计划) while it is a draft: written by its lead department (with
// the other departments of a 跨部门联合抽查), changed until it is committed (plan-commit.ts), read
// by its departments, their region's admin and operators.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eq, inArray } from 'drizzle-orm';
import { recordChange } from '../../../db/catalog.js';
import { listPlans, planById } from '../../../db/queries/inspections.js';
import { departmentByCode } from '../../../db/queries/organization.js';
import { departments as departmentsTable, inspectionPlans, supervisionItems } from '../../../db/schema/index.js';
import { actorOf, changeActorOf, type Principal } from '../../auth.js';
import { planSchema, type PlanBody } from '../../inspection-schemas.js';
import { conflict, forbidden, unprocessable } from '../../errors.js';
import { A_LOW_SHARE_WHEN_NOT_EXEMPT, DEFAULT_SHARES, PUBLICATION_WORKING_DAYS } from '../../../workflows/domain/inspection-policy.js';
import { errors, readers, tags } from './common.js';
import { planParam, planView, readablePlan, toPlanView } from './plan-views.js';
import { callerRegion, planForLead } from './scope.js';

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

const planDraftRoutes: FastifyPluginAsyncZod = async (app) => {
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
};

export default planDraftRoutes;
