// The approval side's worklist (issue #25): a department's cases, nearest deadline first, by
// cursor, with the results supervision fed back (双向推送) and whether they were acknowledged;
// and the acknowledgement itself. An approval clerk sees its own department's cases only, an
// operator every department's (or one, by `department`).
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CASE_STAGES, type CaseStage, type FeedbackResult, type LicenceStatus } from '../../../workflows/contracts.js';
import { acknowledgeResult, worklist, type ResultReceiptRow, type WorklistRow } from '../../../db/queries/worklist.js';
import { actorOf, type Principal } from '../../auth.js';
import { caseForReader } from '../../access.js';
import { forbidden, notFound, problems } from '../../errors.js';
import { actorSchema, applicationParam, caseStage, code, creditCode, feedbackResult, iso, isoInstant, licenceStatus, pagination, taskIdParam } from '../../schemas.js';

const oneStage = `(${CASE_STAGES.join('|')})`;
const stageList = z.string().max(400).regex(new RegExp(`^${oneStage}(,${oneStage})*$`), `one or more of ${CASE_STAGES.join(', ')}, comma-separated`);
/** `stage=a,b` or `stage=a&stage=b`. */
const stages = z
  .union([stageList, z.array(stageList).max(CASE_STAGES.length)])
  .transform((v) => [...new Set([v].flat().flatMap((s) => s.split(',')))] as CaseStage[])
  .describe('case stages, repeated or comma-separated');

/** The cursor is the sort key of the page's last row, opaque to the caller (base64url JSON). */
const cursorKey = z.object({ d: isoInstant.nullable(), n: z.string().max(64) }).strict();
const encodeCursor = (k: { dueAt: string | null; applicationNo: string }) => Buffer.from(JSON.stringify({ d: k.dueAt, n: k.applicationNo })).toString('base64url');
const cursor = z
  .string()
  .max(300)
  .transform((s, ctx) => {
    let key: z.infer<typeof cursorKey> | undefined;
    try {
      key = cursorKey.parse(JSON.parse(Buffer.from(s, 'base64url').toString('utf8')));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a cursor of this list: pass nextCursor as it was answered' });
      return z.NEVER;
    }
    return { dueAt: key.d, applicationNo: key.n };
  })
  .describe('nextCursor of the page before');

const listQuery = z
  .object({
    department: code.optional().describe('operator only: one approval department'),
    stage: stages.optional(),
    due: isoInstant.optional().describe("the case's next deadline falls before this instant"),
    overdue: z.enum(['true', 'false']).optional().describe('past its next deadline now; false: in time or waiting on none'),
    unacknowledged: z.enum(['true', 'false']).optional().describe('has a supervision result not acknowledged yet'),
    itemCode: code.optional(),
    creditCode: creditCode.optional(),
    q: z.string().trim().min(1).max(50).optional().describe("text in the applicant's name"),
    cursor: cursor.optional(),
    limit: pagination.limit,
  })
  .strict();

const resultView = z.object({
  taskId: z.string(),
  departmentCode: z.string(),
  outcome: z.string().describe('how the task ended: compliant, rectified, unreachable, revocation-requested (else its result)'),
  result: feedbackResult,
  receivedAt: z.string(),
  acknowledged: z.boolean(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: actorSchema.nullable(),
});
const nextDeadline = z.object({
  kind: z.enum(['decision', 'commitment', 'revocation']).describe('the decision, the deferred materials (材料延期), or a pending revocation'),
  dueAt: z.string(),
  provisional: z.boolean(),
  overdue: z.boolean().describe('past dueAt at the time of the request'),
});
const worklistItem = z.object({
  applicationNo: z.string(),
  itemCode: z.string(),
  itemName: z.string().nullable(),
  applicant: z.object({ creditCode: z.string(), name: z.string() }),
  stage: caseStage,
  route: z.string().nullable(),
  licenceStatus,
  nextDeadline: nextDeadline.nullable().describe('what the case waits on now; null in a stage with no deadline of the approval side'),
  submittedAt: z.string(),
  results: z.array(resultView),
}).meta({ id: 'WorklistItem' });
const worklistPage = z.object({ items: z.array(worklistItem), nextCursor: z.string().nullable().describe('null on the last page') }).meta({ id: 'WorklistPage' });

const viewOfResult = (r: ResultReceiptRow): z.infer<typeof resultView> => ({
  taskId: r.taskId,
  departmentCode: r.departmentCode,
  outcome: r.outcome,
  result: r.result as FeedbackResult,
  receivedAt: r.receivedAt.toISOString(),
  acknowledged: r.acknowledgedAt !== null,
  acknowledgedAt: iso(r.acknowledgedAt),
  acknowledgedBy: r.acknowledgedBy ?? null,
});

function itemOf(r: WorklistRow, results: ResultReceiptRow[]): z.infer<typeof worklistItem> {
  return {
    applicationNo: r.applicationNo,
    itemCode: r.itemCode,
    itemName: r.itemName,
    applicant: { creditCode: r.creditCode, name: r.applicantName },
    stage: r.stage as CaseStage,
    route: r.route,
    licenceStatus: r.licenceStatus as LicenceStatus,
    nextDeadline: r.dueAt && r.dueKind ? { kind: r.dueKind as z.infer<typeof nextDeadline>['kind'], dueAt: r.dueAt.toISOString(), provisional: r.dueProvisional ?? false, overdue: r.overdue } : null,
    submittedAt: r.submittedAt.toISOString(),
    results: results.filter((x) => x.applicationNo === r.applicationNo).map(viewOfResult),
  };
}

/** Whose cases the caller lists: an approval clerk its own department's only. */
function departmentOf(p: Principal, asked: string | undefined): string | undefined {
  if (p.role === 'operator') return asked;
  if (!p.department) throw forbidden('an approval token must name its department');
  if (asked !== undefined && asked !== p.department) throw forbidden(`department ${p.department} may list only its own cases, not those of ${asked}`);
  return p.department;
}

const worklistRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/applications',
    {
      config: { roles: ['approval', 'operator'] },
      schema: { operationId: 'listApplications', tags: ['cases'], summary: "The approval side's worklist: its cases, nearest deadline first, by cursor", querystring: listQuery, response: { 200: worklistPage, ...problems(400, 401, 403, 503) } },
    },
    async (req) => {
      const q = req.query;
      const bool = (v: 'true' | 'false' | undefined) => (v === undefined ? undefined : v === 'true');
      const filter = { department: departmentOf(req.principal, q.department), stages: q.stage, dueBefore: q.due === undefined ? undefined : new Date(q.due), overdue: bool(q.overdue), unacknowledged: bool(q.unacknowledged), itemCode: q.itemCode, creditCode: q.creditCode, name: q.q };
      const { rows, next, receipts } = await worklist(app.db, filter, { limit: q.limit, after: q.cursor }, new Date());
      return { items: rows.map((r) => itemOf(r, receipts)), nextCursor: next && encodeCursor(next) };
    },
  );

  app.post(
    '/v1/applications/:applicationNo/results/:taskId/acknowledge',
    {
      config: { roles: ['approval'] },
      schema: {
        operationId: 'acknowledgeTaskResult',
        tags: ['cases'],
        summary: 'Acknowledge a result supervision fed back (双向推送); a repeat answers the same acknowledgement',
        params: applicationParam.extend(taskIdParam.shape),
        response: { 200: resultView, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (req) => {
      const { applicationNo, taskId } = req.params;
      await caseForReader(app.db, req.principal, applicationNo);
      const receipt = await acknowledgeResult(app.db, { applicationNo, taskId, actor: actorOf(req.principal), at: new Date() });
      if (!receipt) throw notFound(`a result of task ${taskId} on application ${applicationNo}`);
      return viewOfResult(receipt);
    },
  );
};

export default worklistRoutes;
