import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { auditEvents, tasks } from '../../db/schema/index.js';
import { claimUpdate, feedbackUpdate, inspectionUpdate, reinspectionUpdate } from '../../workflows/contracts.js';
import { actorOf } from '../auth.js';
import { taskForDivision, taskForReader, type TaskRow } from '../access.js';
import { problemSchema, forbidden } from '../errors.js';
import { applicationNo, creditCode, isoInstant, pagination, shortText, taskIdParam } from '../schemas.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const TOTAL_CAP = 1_000;

const taskView = z.object({
  taskId: z.string(),
  applicationNo: z.string(),
  departmentCode: z.string(),
  divisionCode: z.string(),
  supervisionItemCode: z.string().nullable(),
  applicantCreditCode: z.string(),
  status: z.string(),
  pushedAt: z.string(),
  claimDueAt: z.string(),
  claimDueProvisional: z.boolean(),
  claimedAt: z.string().nullable(),
  claimedBy: z.string().nullable(),
  claimOverdue: z.boolean(),
  urgeAt: z.string().nullable().describe('set when the claim deadline passed unclaimed: when the urging notice (催办) goes out unless the task is claimed first'),
  inspectionFinishedAt: z.string().nullable(),
  feedbackDueAt: z.string().nullable(),
  feedbackAt: z.string().nullable(),
  feedbackOverdue: z.boolean(),
  result: z.string().nullable(),
  resultNote: z.string().nullable(),
  rectificationRound: z.number().int(),
  rectificationDueAt: z.string().nullable(),
  reinspectionDueAt: z.string().nullable(),
  outcome: z.string().nullable(),
});

/** The columns a view needs (the inbox leaves the policy snapshot and the findings behind). */
const viewColumns = {
  taskId: tasks.taskId,
  applicationNo: tasks.applicationNo,
  departmentCode: tasks.departmentCode,
  divisionCode: tasks.divisionCode,
  supervisionItemCode: tasks.supervisionItemCode,
  applicantCreditCode: tasks.applicantCreditCode,
  status: tasks.status,
  pushedAt: tasks.pushedAt,
  claimDueAt: tasks.claimDueAt,
  claimDueProvisional: tasks.claimDueProvisional,
  claimedAt: tasks.claimedAt,
  claimedBy: tasks.claimedBy,
  claimOverdue: tasks.claimOverdue,
  urgeAt: tasks.urgeAt,
  inspectionFinishedAt: tasks.inspectionFinishedAt,
  feedbackDueAt: tasks.feedbackDueAt,
  feedbackAt: tasks.feedbackAt,
  feedbackOverdue: tasks.feedbackOverdue,
  result: tasks.result,
  resultNote: tasks.resultNote,
  rectificationRound: tasks.rectificationRound,
  rectificationDueAt: tasks.rectificationDueAt,
  reinspectionDueAt: tasks.reinspectionDueAt,
  outcome: tasks.outcome,
};

const view = (t: Pick<TaskRow, keyof typeof viewColumns>): z.infer<typeof taskView> => ({
  taskId: t.taskId,
  applicationNo: t.applicationNo,
  departmentCode: t.departmentCode,
  divisionCode: t.divisionCode,
  supervisionItemCode: t.supervisionItemCode,
  applicantCreditCode: t.applicantCreditCode,
  status: t.status,
  pushedAt: t.pushedAt.toISOString(),
  claimDueAt: t.claimDueAt.toISOString(),
  claimDueProvisional: t.claimDueProvisional,
  claimedAt: iso(t.claimedAt),
  claimedBy: t.claimedBy,
  claimOverdue: t.claimOverdue,
  urgeAt: iso(t.urgeAt),
  inspectionFinishedAt: iso(t.inspectionFinishedAt),
  feedbackDueAt: iso(t.feedbackDueAt),
  feedbackAt: iso(t.feedbackAt),
  feedbackOverdue: t.feedbackOverdue,
  result: t.result,
  resultNote: t.resultNote,
  rectificationRound: t.rectificationRound,
  rectificationDueAt: iso(t.rectificationDueAt),
  reinspectionDueAt: iso(t.reinspectionDueAt),
  outcome: t.outcome,
});

const historyItem = z.object({ at: z.string(), kind: z.string(), summary: z.string(), actor: z.object({ sub: z.string(), role: z.string(), department: z.string().optional(), division: z.string().optional() }) });

const taskRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps.database;
  const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema, 503: problemSchema, 504: problemSchema };

  /**
   * The inbox's two statements (the page, and the total counted up to TOTAL_CAP: counting a
   * department's whole history on every read would cost more than the page itself), built once
   * per combination of filters and prepared: the inbox is the most read route, and building the
   * SQL was a fifth of its CPU (docs/benchmarks.md).
   */
  const inboxCache = new Map<string, ReturnType<typeof prepareInbox>>();
  type InboxFilter = { department?: string; division?: string; status?: string; overdue?: boolean; applicationNo?: string; creditCode?: string };
  const inboxColumns = { department: tasks.departmentCode, division: tasks.divisionCode, status: tasks.status, overdue: tasks.claimOverdue, applicationNo: tasks.applicationNo, creditCode: tasks.applicantCreditCode } as const;
  function prepareInbox(present: Array<keyof InboxFilter>, name: string) {
    const filter = and(...present.map((k) => eq(inboxColumns[k], sql.placeholder(k))));
    return {
      page: db.select(viewColumns).from(tasks).where(filter).orderBy(desc(tasks.pushedAt), asc(tasks.taskId)).limit(sql.placeholder('limit')).offset(sql.placeholder('offset')).prepare(`inbox_${name}`),
      counted: db.select({ n: count() }).from(db.select({ one: sql`1` }).from(tasks).where(filter).limit(TOTAL_CAP + 1).as('counted')).prepare(`inbox_total_${name}`),
    };
  }
  function inboxStatements(f: InboxFilter) {
    const present = (Object.keys(inboxColumns) as Array<keyof InboxFilter>).filter((k) => f[k] !== undefined);
    const name = present.join('_') || 'all';
    let statements = inboxCache.get(name);
    if (!statements) inboxCache.set(name, (statements = prepareInbox(present, name)));
    return statements;
  }

  app.get(
    '/v1/tasks',
    {
      config: { roles: ['supervision', 'operator'] },
      schema: {
        tags: ['tasks'],
        summary: "Inbox: a division's tasks (a department head sees the department)",
        querystring: z
          .object({
            status: z.enum(['awaiting-claim', 'claimed', 'awaiting-feedback', 'rectifying', 'awaiting-reinspection', 'closed']).optional(),
            overdue: z.enum(['true', 'false']).optional(),
            applicationNo: applicationNo.optional(),
            creditCode: creditCode.optional(),
            ...pagination,
          })
          .strict(),
        response: {
          200: z.object({
            items: z.array(taskView),
            total: z.number().int().describe(`matching tasks, counted up to ${TOTAL_CAP}`),
            totalExact: z.boolean().describe(`false when more than ${TOTAL_CAP} match`),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const p = req.principal;
      const q = req.query;
      if (p.role === 'supervision' && !p.department) throw forbidden('a supervision token must name its department');
      const values = {
        department: p.role === 'supervision' ? p.department : undefined,
        division: p.role === 'supervision' ? p.division : undefined,
        status: q.status,
        overdue: q.overdue === undefined ? undefined : q.overdue === 'true',
        applicationNo: q.applicationNo,
        creditCode: q.creditCode,
      };
      const { page, counted } = inboxStatements(values);
      const params = { ...values, limit: q.limit, offset: q.offset };
      const [rows, [total]] = await Promise.all([page.execute(params), counted.execute(params)]);
      const n = total?.n ?? 0;
      return { items: rows.map(view), total: Math.min(n, TOTAL_CAP), totalExact: n <= TOTAL_CAP, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/v1/tasks/:taskId',
    {
      config: { roles: ['supervision', 'operator'] },
      schema: { tags: ['tasks'], summary: 'A task with its deadlines and history', params: taskIdParam, response: { 200: taskView.extend({ history: z.array(historyItem) }), ...errors } },
    },
    async (req) => {
      const t = await taskForReader(db, req.principal, req.params.taskId);
      const history = await db.select().from(auditEvents).where(eq(auditEvents.taskId, t.taskId)).orderBy(asc(auditEvents.at), asc(auditEvents.id));
      return { ...view(t), history: history.map((e) => ({ at: e.at.toISOString(), kind: e.kind, summary: e.summary, actor: e.actor })) };
    },
  );

  /** Runs a human action as an Update on the task's workflow, then answers with the task row. */
  const act = async (taskId: string, run: (handle: ReturnType<typeof app.deps.temporal.workflow.getHandle>) => Promise<unknown>) => {
    await run(app.deps.temporal.workflow.getHandle(taskId));
    const t = await taskForReader(db, { sub: 'system', role: 'operator' }, taskId);
    return view(t);
  };

  app.post(
    '/v1/tasks/:taskId/claim',
    { config: { roles: ['supervision'] }, schema: { tags: ['tasks'], summary: 'Claim (认领) the task; once', params: taskIdParam, response: { 200: taskView, ...errors } } },
    async (req) => {
      await taskForDivision(db, req.principal, req.params.taskId);
      return act(req.params.taskId, (h) => h.executeUpdate(claimUpdate, { args: [{ actor: actorOf(req.principal) }] }));
    },
  );

  app.post(
    '/v1/tasks/:taskId/inspection',
    {
      config: { roles: ['supervision'] },
      schema: {
        tags: ['tasks'],
        summary: 'Supervision finished: opens the 5-working-day feedback window',
        params: taskIdParam,
        body: z.object({ finishedAt: isoInstant, findings: shortText(4000) }).strict(),
        response: { 200: taskView, ...errors },
      },
    },
    async (req) => {
      await taskForDivision(db, req.principal, req.params.taskId);
      const finishedAt = new Date(req.body.finishedAt).toISOString();
      return act(req.params.taskId, (h) => h.executeUpdate(inspectionUpdate, { args: [{ actor: actorOf(req.principal), finishedAt, findings: req.body.findings }] }));
    },
  );

  app.post(
    '/v1/tasks/:taskId/feedback',
    {
      config: { roles: ['supervision'] },
      schema: {
        tags: ['tasks'],
        summary: 'Feed the supervision result back',
        params: taskIdParam,
        body: z
          .object({
            result: z.enum(['compliant', 'rectification', 'commitment-untrue', 'unreachable']),
            note: z.string().trim().max(4000).default(''),
            rectificationDeadline: isoInstant.optional().describe("with rectification or commitment-untrue: the order's deadline; default the policy's rectification period"),
          })
          .strict(),
        response: { 200: taskView, ...errors },
      },
    },
    async (req) => {
      await taskForDivision(db, req.principal, req.params.taskId);
      const deadline = req.body.rectificationDeadline ? new Date(req.body.rectificationDeadline).toISOString() : undefined;
      return act(req.params.taskId, (h) => h.executeUpdate(feedbackUpdate, { args: [{ actor: actorOf(req.principal), result: req.body.result, note: req.body.note, rectificationDeadline: deadline }] }));
    },
  );

  app.post(
    '/v1/tasks/:taskId/reinspection',
    {
      config: { roles: ['supervision'] },
      schema: {
        tags: ['tasks'],
        summary: '复查 after a rectification order: rectified closes the task; not rectified requests revocation from the case (or orders another round with a new deadline)',
        params: taskIdParam,
        body: z.object({ rectified: z.boolean(), note: z.string().trim().max(4000).default(''), rectificationDeadline: isoInstant.optional() }).strict(),
        response: { 200: taskView, ...errors },
      },
    },
    async (req) => {
      await taskForDivision(db, req.principal, req.params.taskId);
      const b = req.body;
      const deadline = b.rectificationDeadline ? new Date(b.rectificationDeadline).toISOString() : undefined;
      return act(req.params.taskId, (h) => h.executeUpdate(reinspectionUpdate, { args: [{ actor: actorOf(req.principal), rectified: b.rectified, note: b.note, rectificationDeadline: deadline }] }));
    },
  );
};

export default taskRoutes;
