// A target's inspection result (检查结果记录表) and its publication (一公开). The result is
// recorded once per target by a department of the plan, with every check item answered pass /
// fail / not applicable; it is due on the public feed within the plan's publication period
// (default 20 working days after the inspection) and published by the daily job; the
// department may withdraw a published result with a reason. The public feed needs no token and
// shows the entity, the items, the date, the result and the department — never an inspector.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eq } from 'drizzle-orm';
import { loadCalendarData, regionData } from '../../../db/calendar.js';
import { drawById, planById, publishedResults, recordResult, targetOf, withdrawResult } from '../../../db/queries/inspections.js';
import { inspectionResults } from '../../../db/schema/index.js';
import { computeDeadline } from '../../../workflows/domain/deadlines.js';
import { WorkingCalendar, dayOf, endOfShanghaiDay } from '../../../workflows/domain/working-days.js';
import { actorOf, type Principal } from '../../auth.js';
import { calendarDate } from '../../inspection-schemas.js';
import { conflict, forbidden, notFound, problems, unprocessable } from '../../errors.js';
import { code, creditCode, pagination, shortText } from '../../schemas.js';

const tags = ['random-inspections'];
const errors = problems(400, 401, 403, 404, 409, 422);

export const INSPECTION_RESULTS = ['no-problem', 'corrected', 'problem-found', 'not-located', 'refused'] as const;
const resultEnum = z.enum(INSPECTION_RESULTS).describe('no-problem 未发现问题; corrected 发现问题已责令改正; problem-found 发现问题待后续处理; not-located 查无下落; refused 不配合检查').meta({ id: 'InspectionResult' });

const checklistAnswer = z.object({ item: shortText(200).describe('the check item of the record form'), answer: z.enum(['pass', 'fail', 'not-applicable']), note: shortText(1000).optional() }).strict();
const resultBody = z
  .object({ inspectedOn: calendarDate, result: resultEnum, checklist: z.array(checklistAnswer).min(1).max(200) })
  .strict()
  .refine((b) => b.result !== 'no-problem' || b.checklist.every((c) => c.answer !== 'fail'), { path: ['result'], message: 'no-problem, but a check item failed' })
  .refine((b) => !['corrected', 'problem-found'].includes(b.result) || b.checklist.some((c) => c.answer === 'fail'), { path: ['checklist'], message: 'a problem found needs a failed check item' });

const resultView = z
  .object({ id: z.number().int(), drawId: z.string(), creditCode: z.string(), departmentCode: z.string(), items: z.array(z.string()), inspectedOn: z.string(), result: resultEnum, checklist: z.array(checklistAnswer), onTime: z.boolean(), publishDueAt: z.string(), publishedAt: z.string().nullable(), withdrawnAt: z.string().nullable(), withdrawalReason: z.string().nullable() })
  .meta({ id: 'InspectionResultRecord' });
type ResultRow = typeof inspectionResults.$inferSelect;
const toResultView = (r: ResultRow): z.infer<typeof resultView> => resultView.parse({ ...r, publishDueAt: r.publishDueAt.toISOString(), publishedAt: r.publishedAt?.toISOString() ?? null, withdrawnAt: r.withdrawnAt?.toISOString() ?? null });

const publicItem = z
  .object({ id: z.number().int(), creditCode: z.string(), entityName: z.string().nullable(), items: z.array(z.string()), inspectedOn: z.string(), result: resultEnum, departmentCode: z.string(), regionCode: z.string(), planId: z.string(), publishedAt: z.string() })
  .meta({ id: 'PublishedInspection' });

const isPlanDepartment = (p: Principal, departments: string[]) => p.role === 'supervision' && !!p.department && departments.includes(p.department);

const publicationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/inspection-draws/:drawId/targets/:creditCode/result',
    { config: { roles: ['supervision'] }, schema: { operationId: 'recordInspectionResult', tags, summary: 'Record a target’s result (检查结果记录表), once; it is published by the next daily run', params: z.object({ drawId: code, creditCode }), body: resultBody, response: { 201: resultView, ...errors } } },
    async (req, reply) => {
      const { drawId, creditCode: entity } = req.params;
      const draw = await drawById(app.db, drawId);
      if (!draw) throw notFound(`draw ${drawId}`);
      const plan = (await planById(app.db, draw.planId))!;
      if (!isPlanDepartment(req.principal, plan.departments)) throw forbidden(`plan ${plan.planId} belongs to ${plan.departments.join(', ')}`);
      const target = await targetOf(app.db, drawId, entity);
      if (!target) throw notFound(`target ${entity} of draw ${drawId}`);
      const b = req.body;
      if (b.inspectedOn < plan.periodStart) throw unprocessable(`inspectedOn ${b.inspectedOn} is before the plan's period (${plan.periodStart} – ${plan.periodEnd})`);
      const now = new Date();
      if (endOfShanghaiDay(dayOf(b.inspectedOn) - 1) > now) throw unprocessable(`inspectedOn ${b.inspectedOn} is in the future`);
      const calendar = new WorkingCalendar(regionData(await loadCalendarData(app.db), plan.regionCode));
      const publishDue = computeDeadline(calendar, { unit: 'working-day', officeTime: '09:00' }, new Date(`${b.inspectedOn}T12:00:00+08:00`), plan.publicationDays, 0);
      const onTime = now <= endOfShanghaiDay(dayOf(plan.periodEnd));
      const failed = b.checklist.filter((c) => c.answer === 'fail').length;
      const row = await recordResult(
        app.db,
        { drawId, creditCode: entity, departmentCode: req.principal.department!, regionCode: plan.regionCode, items: target.items, inspectedOn: b.inspectedOn, result: b.result, checklist: b.checklist, recordedBy: actorOf(req.principal), recordedAt: now, onTime, publishDueAt: new Date(publishDue.dueAt) },
        `${entity}: ${b.result} (inspected ${b.inspectedOn}, ${b.checklist.length} check items, ${failed} failed)${onTime ? '' : ' — after the plan’s period'}`,
      );
      if (!row) throw conflict(`the result of ${entity} in draw ${drawId} is recorded already`);
      return reply.code(201).send(toResultView(row));
    },
  );

  app.post(
    '/v1/public-inspections/:id/withdraw',
    { config: { roles: ['supervision'] }, schema: { operationId: 'withdrawInspectionResult', tags, summary: 'Withdraw a result from the public feed, with a reason (the recording department)', params: z.object({ id: z.coerce.number().int().positive().max(2 ** 53) }), body: z.object({ reason: shortText(500) }).strict(), response: { 200: resultView, ...errors } } },
    async (req) => {
      const [r] = await app.db.select().from(inspectionResults).where(eq(inspectionResults.id, req.params.id));
      if (!r) throw notFound(`inspection result ${req.params.id}`);
      if (req.principal.department !== r.departmentCode) throw forbidden(`inspection result ${r.id} belongs to ${r.departmentCode}: only its department may withdraw it`);
      const w = await withdrawResult(app.db, r, req.body.reason, actorOf(req.principal));
      if (!w) throw conflict(`inspection result ${r.id} is withdrawn already`);
      return toResultView(w);
    },
  );

  const feedQuery = z.object({ regionCode: code.optional(), creditCode: creditCode.optional(), ...pagination }).strict();
  app.get(
    '/v1/public/inspections',
    { schema: { operationId: 'listPublishedInspections', tags: ['public'], summary: 'Published random-inspection results (一公开): no token', description: 'Newest publication first. The entity, the items, the date, the result and the department; never an inspector. A withdrawn result is not listed.', querystring: feedQuery, response: { 200: z.object({ items: z.array(publicItem), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }), ...problems(400, 429) } } },
    async (req) => {
      const { items, total } = await publishedResults(app.db, req.query);
      return { items: items.map((i) => ({ id: i.id, creditCode: i.creditCode, entityName: i.name, items: i.items, inspectedOn: i.inspectedOn, result: i.result as 'no-problem', departmentCode: i.departmentCode, regionCode: i.regionCode, planId: i.drawId, publishedAt: i.publishedAt!.toISOString() })), total, limit: req.query.limit, offset: req.query.offset };
    },
  );
};

export default publicationRoutes;
