// The read side for people who watch the loop: the applicant portrait (企业画像), the
// notification outbox, and claim/feedback timeliness for assessment (考核督查). All from the
// read model, never by scanning Temporal.
import { and, asc, count, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { cases, creditProfiles, creditRecords, departments, notifications, tasks } from '../../db/schema/index.js';
import { loadCalendarData } from '../../db/calendar.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { workingMillisBetween } from '../../workflows/domain/working-time.js';
import { forbidden, problemSchema } from '../errors.js';
import { creditCode, mobile, pagination } from '../schemas.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD (Asia/Shanghai)')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date')
  .refine((d) => d >= '2000-01-01' && d <= '2100-12-31', 'between 2000 and 2100');

const portrait = z.object({
  creditCode: z.string(),
  name: z.string().nullable(),
  credit: z.object({ grade: z.string(), blacklisted: z.boolean(), brokenCommitments: z.number().int() }).nullable(),
  commitments: z.object({ kept: z.number().int(), broken: z.number().int(), open: z.number().int() }),
  cases: z.array(z.object({ applicationNo: z.string(), itemCode: z.string(), stage: z.string(), route: z.string().nullable(), licenceStatus: z.string(), commitmentScenario: z.string().nullable(), commitmentOutcome: z.string().nullable(), createdAt: z.string(), closedAt: z.string().nullable() })),
  tasks: z.array(z.object({ taskId: z.string(), applicationNo: z.string(), departmentCode: z.string(), status: z.string(), result: z.string().nullable(), outcome: z.string().nullable(), claimOverdue: z.boolean() })),
  creditRecords: z.array(z.object({ businessKey: z.string(), kind: z.string(), summary: z.string(), status: z.string(), createdAt: z.string() })),
});

const notificationView = z.object({
  businessKey: z.string(),
  channel: z.string(),
  template: z.string(),
  recipientName: z.string().nullable(),
  recipientPhone: z.string(),
  body: z.string(),
  applicationNo: z.string().nullable(),
  taskId: z.string().nullable(),
  status: z.string(),
  providerMessageId: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});

const timelinessRow = z.object({
  departmentCode: z.string(),
  divisionCode: z.string(),
  received: z.number().int().describe('tasks pushed in the period'),
  claimedOnTime: z.number().int(),
  claimedLate: z.number().int(),
  unclaimedPastDeadline: z.number().int().describe('not claimed, and the claim deadline has passed'),
  unclaimedOpen: z.number().int().describe('not claimed, deadline not passed yet'),
  medianClaimWorkingHours: z.number().nullable().describe('median time from push to claim, counting only working days (24 h each)'),
  feedbackOnTime: z.number().int(),
  feedbackLate: z.number().int(),
  feedbackOverdue: z.number().int().describe('no feedback yet, and the feedback deadline has passed'),
});

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

const insightRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps.database;
  const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

  app.get(
    '/v1/applicants/:creditCode',
    {
      config: { roles: ['approval', 'supervision', 'operator'] },
      schema: { tags: ['applicants'], summary: 'Applicant portrait (企业画像): cases, tasks, commitments kept and broken, credit records', params: z.object({ creditCode }), response: { 200: portrait, ...errors } },
    },
    async (req) => {
      const code = req.params.creditCode;
      const [caseRows, taskRows, records, [profile]] = await Promise.all([
        db.select().from(cases).where(eq(cases.applicantCreditCode, code)).orderBy(desc(cases.createdAt)).limit(500),
        db.select().from(tasks).where(eq(tasks.applicantCreditCode, code)).orderBy(desc(tasks.pushedAt)).limit(1000),
        db.select().from(creditRecords).where(eq(creditRecords.creditCode, code)).orderBy(desc(creditRecords.id)).limit(500),
        db.select().from(creditProfiles).where(eq(creditProfiles.creditCode, code)),
      ]);
      const commitmentCases = caseRows.filter((c) => c.route === 'commitment');
      return {
        creditCode: code,
        name: caseRows[0]?.applicantName ?? null,
        credit: profile ? { grade: profile.grade, blacklisted: profile.blacklisted, brokenCommitments: profile.brokenCommitments } : null,
        commitments: {
          kept: commitmentCases.filter((c) => c.commitmentOutcome === 'kept').length,
          broken: commitmentCases.filter((c) => c.commitmentOutcome === 'broken').length,
          open: commitmentCases.filter((c) => !c.commitmentOutcome).length,
        },
        cases: caseRows.map((c) => ({ applicationNo: c.applicationNo, itemCode: c.itemCode, stage: c.stage, route: c.route, licenceStatus: c.licenceStatus, commitmentScenario: c.commitmentScenario, commitmentOutcome: c.commitmentOutcome, createdAt: c.createdAt.toISOString(), closedAt: iso(c.closedAt) })),
        tasks: taskRows.map((t) => ({ taskId: t.taskId, applicationNo: t.applicationNo, departmentCode: t.departmentCode, status: t.status, result: t.result, outcome: t.outcome, claimOverdue: t.claimOverdue })),
        creditRecords: records.map((r) => ({ businessKey: r.businessKey, kind: r.kind, summary: r.summary, status: r.status, createdAt: r.createdAt.toISOString() })),
      };
    },
  );

  app.get(
    '/v1/notifications',
    {
      config: { roles: ['operator'] },
      schema: {
        tags: ['notifications'],
        summary: 'The notification outbox: each message with its business key and delivery status',
        querystring: z.object({ applicationNo: z.string().max(64).optional(), recipient: mobile.optional(), status: z.enum(['pending', 'sent', 'delivered', 'failed']).optional(), ...pagination }).strict(),
        response: { 200: z.object({ items: z.array(notificationView), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }), ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const where: SQL[] = [];
      if (q.applicationNo) where.push(eq(notifications.applicationNo, q.applicationNo));
      if (q.recipient) where.push(eq(notifications.recipientPhone, q.recipient));
      if (q.status) where.push(eq(notifications.status, q.status));
      const filter = and(...where);
      const [rows, [total]] = await Promise.all([
        db.select().from(notifications).where(filter).orderBy(desc(notifications.id)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(notifications).where(filter),
      ]);
      return {
        items: rows.map((n) => ({ ...n, createdAt: n.createdAt.toISOString(), sentAt: iso(n.sentAt), deliveredAt: iso(n.deliveredAt) })),
        total: total?.n ?? 0,
        limit: q.limit,
        offset: q.offset,
      };
    },
  );

  app.get(
    '/v1/stats/timeliness',
    {
      config: { roles: ['operator', 'regional-admin'] },
      schema: {
        tags: ['statistics'],
        summary: 'Claim and feedback timeliness per department and division, for assessment (考核督查)',
        description: 'Tasks pushed from `from` 00:00 to `to` 24:00 (Asia/Shanghai). "On time" means at or before the deadline the task had. A regional admin sees the departments of its region.',
        querystring: z
          .object({ from: day, to: day, departmentCode: z.string().max(64).optional() })
          .strict()
          .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] })
          .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { message: 'a period of at most one year', path: ['to'] }),
        response: { 200: z.object({ from: z.string(), to: z.string(), generatedAt: z.string(), rows: z.array(timelinessRow) }), ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const start = new Date(`${q.from}T00:00:00+08:00`);
      const end = new Date(Date.parse(`${q.to}T00:00:00+08:00`) + 86_400_000);
      const where: SQL[] = [gte(tasks.pushedAt, start), lt(tasks.pushedAt, end)];
      if (q.departmentCode) where.push(eq(tasks.departmentCode, q.departmentCode));
      if (req.principal.role === 'regional-admin') {
        if (!req.principal.region) throw forbidden('a regional-admin token must name its region');
        const own = (await db.select({ code: departments.code }).from(departments).where(eq(departments.regionCode, req.principal.region))).map((d) => d.code);
        where.push(inArray(tasks.departmentCode, own.length ? own : ['-']));
      }
      const rows = await db
        .select({ departmentCode: tasks.departmentCode, divisionCode: tasks.divisionCode, pushedAt: tasks.pushedAt, claimDueAt: tasks.claimDueAt, claimedAt: tasks.claimedAt, feedbackDueAt: tasks.feedbackDueAt, feedbackAt: tasks.feedbackAt })
        .from(tasks)
        .where(and(...where))
        .orderBy(asc(tasks.departmentCode), asc(tasks.divisionCode));
      const now = new Date();
      const calendar = new WorkingCalendar(await loadCalendarData(db));
      const groups = new Map<string, z.infer<typeof timelinessRow> & { durations: number[] }>();
      for (const t of rows) {
        const key = `${t.departmentCode}\u0000${t.divisionCode}`;
        let g = groups.get(key);
        if (!g) {
          g = { departmentCode: t.departmentCode, divisionCode: t.divisionCode, received: 0, claimedOnTime: 0, claimedLate: 0, unclaimedPastDeadline: 0, unclaimedOpen: 0, medianClaimWorkingHours: null, feedbackOnTime: 0, feedbackLate: 0, feedbackOverdue: 0, durations: [] };
          groups.set(key, g);
        }
        g.received++;
        if (t.claimedAt) {
          if (t.claimedAt <= t.claimDueAt) g.claimedOnTime++;
          else g.claimedLate++;
          g.durations.push(workingMillisBetween(calendar, t.pushedAt, t.claimedAt) / 3_600_000);
        } else if (t.claimDueAt < now) g.unclaimedPastDeadline++;
        else g.unclaimedOpen++;
        if (t.feedbackDueAt) {
          if (t.feedbackAt) {
            if (t.feedbackAt <= t.feedbackDueAt) g.feedbackOnTime++;
            else g.feedbackLate++;
          } else if (t.feedbackDueAt < now) g.feedbackOverdue++;
        }
      }
      return {
        from: q.from,
        to: q.to,
        generatedAt: now.toISOString(),
        rows: [...groups.values()].map(({ durations, ...g }) => {
          const m = median(durations);
          return { ...g, medianClaimWorkingHours: m === null ? null : Math.round(m * 100) / 100 };
        }),
      };
    },
  );
};

export default insightRoutes;
