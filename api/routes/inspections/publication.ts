// A target's inspection result (检查结果记录表) and its publication (一公开). The result is
// the feedback of the target's random-inspection task (activities/draw/tasks.ts: every check item
// answered pass / fail / not applicable) — the only write path; it is due on the public feed within the plan's publication period
// (default 20 working days after the inspection) and published by the daily job; the
// department may withdraw a published result with a reason. The public feed needs no token and
// shows the entity, the items, the date, the result and the department — never an inspector.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eq } from 'drizzle-orm';
import { publishedResults, withdrawResult } from '../../../db/queries/inspections.js';
import { inspectionResults } from '../../../db/schema/index.js';
import { actorOf } from '../../auth.js';
import { conflict, forbidden, notFound, problems } from '../../errors.js';
import { checklistAnswer, code, creditCode, pagination, shortText } from '../../schemas.js';

const tags = ['random-inspections'];
const errors = problems(400, 401, 403, 404, 409, 422);

export const INSPECTION_RESULTS = ['no-problem', 'corrected', 'problem-found', 'not-located', 'refused'] as const;
const resultEnum = z.enum(INSPECTION_RESULTS).describe('no-problem 未发现问题; corrected 发现问题已责令改正; problem-found 发现问题待后续处理; not-located 查无下落; refused 不配合检查').meta({ id: 'InspectionResult' });


const resultView = z
  .object({ id: z.number().int(), drawId: z.string(), creditCode: z.string(), departmentCode: z.string(), items: z.array(z.string()), inspectedOn: z.string(), result: resultEnum, checklist: z.array(checklistAnswer), onTime: z.boolean(), publishDueAt: z.string(), publishedAt: z.string().nullable(), withdrawnAt: z.string().nullable(), withdrawalReason: z.string().nullable() })
  .meta({ id: 'InspectionResultRecord' });
type ResultRow = typeof inspectionResults.$inferSelect;
const toResultView = (r: ResultRow): z.infer<typeof resultView> => resultView.parse({ ...r, publishDueAt: r.publishDueAt.toISOString(), publishedAt: r.publishedAt?.toISOString() ?? null, withdrawnAt: r.withdrawnAt?.toISOString() ?? null });

const publicItem = z
  .object({ id: z.number().int(), creditCode: z.string(), entityName: z.string().nullable(), items: z.array(z.string()), inspectedOn: z.string(), result: resultEnum, departmentCode: z.string(), regionCode: z.string(), planId: z.string(), publishedAt: z.string() })
  .meta({ id: 'PublishedInspection' });

const publicationRoutes: FastifyPluginAsyncZod = async (app) => {
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
