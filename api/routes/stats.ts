// Claim and feedback timeliness per department and division, for assessment (考核督查).
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Principal } from '../auth.js';
import { departmentsOfRegion } from '../../db/queries/organization.js';
import { timeliness } from '../../db/queries/stats.js';
import { approvalTimeliness } from '../../db/queries/approval-stats.js';
import { forbidden, problems } from '../errors.js';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD (Asia/Shanghai)')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date')
  .refine((d) => d >= '2000-01-01' && d <= '2100-12-31', 'between 2000 and 2100');

const period = z
  .object({ from: day, to: day, departmentCode: z.string().max(64).optional(), rehearsal: z.enum(['true', 'false']).optional().describe('true: the rehearsal regions\' figures (培训演练), which live figures never include') })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { message: 'a period of at most one year', path: ['to'] });

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

const approvalRow = z.object({
  departmentCode: z.string(),
  received: z.number().int().describe('cases routed in the period, each with its statutory decision deadline'),
  decidedOnTime: z.number().int(),
  decidedLate: z.number().int(),
  undecidedPastDeadline: z.number().int(),
  undecidedOpen: z.number().int(),
  revocationsPending: z.number().int().describe('revocations pending in the period (supervision asked, or deferred materials overdue)'),
  revocationsDecidedOnTime: z.number().int(),
  revocationsDecidedLate: z.number().int(),
  revocationsUndecidedPastDeadline: z.number().int(),
});

/** The period as instants: `from` 00:00 to `to` 24:00, Asia/Shanghai. */
const bounds = (q: { from: string; to: string }) => ({ start: new Date(`${q.from}T00:00:00+08:00`), end: new Date(Date.parse(`${q.to}T00:00:00+08:00`) + 86_400_000) });

type Period = z.infer<typeof period>;
interface Scope { start: Date; end: Date; now: Date; rehearsal: boolean; /** a regional admin's departments; undefined for an operator */ regionDepartments?: string[] }

/** A statistics route over a period: the caller's region resolved, the period as instants, `rows` run for it. */
function periodRoute(app: FastifyInstance, path: string, meta: { operationId: string; summary: string; description: string; row: z.ZodType }, rows: (q: Period, scope: Scope) => Promise<unknown[]>) {
  app.get(
    path,
    {
      config: { roles: ['operator', 'regional-admin'] },
      schema: {
        operationId: meta.operationId,
        tags: ['statistics'],
        summary: meta.summary,
        description: meta.description,
        querystring: period,
        response: { 200: z.object({ from: z.string(), to: z.string(), generatedAt: z.string(), rows: z.array(meta.row) }), ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { query: q, principal: p } = req as unknown as { query: Period; principal: Principal };
      if (p.role === 'regional-admin' && !p.region) throw forbidden('a regional-admin token must name its region');
      const regionDepartments = p.role === 'regional-admin' ? await departmentsOfRegion(app.db, p.region!) : undefined;
      const now = new Date();
      const out = await rows(q, { ...bounds(q), now, rehearsal: q.rehearsal === 'true', regionDepartments });
      return { from: q.from, to: q.to, generatedAt: now.toISOString(), rows: out };
    },
  );
}

const statsRoutes: FastifyPluginAsyncZod = async (app) => {
  periodRoute(
    app,
    '/v1/stats/timeliness',
    {
      operationId: 'getTimelinessStats',
      summary: 'Claim and feedback timeliness per department and division, for assessment (考核督查)',
      description: 'Tasks pushed from `from` 00:00 to `to` 24:00 (Asia/Shanghai). "On time" means at or before the deadline the task had. A regional admin sees the departments of its region.',
      row: timelinessRow,
    },
    (q, s) => timeliness(app.db, { start: s.start, end: s.end, departmentCode: q.departmentCode, departmentCodes: s.regionDepartments, rehearsal: s.rehearsal }, s.now),
  );

  periodRoute(
    app,
    '/v1/stats/approval-timeliness',
    {
      operationId: 'getApprovalTimelinessStats',
      summary: 'Decisions and revocation decisions on time and late, per approval department (考核督查)',
      description: 'Cases routed, and revocations pending, from `from` 00:00 to `to` 24:00 (Asia/Shanghai). "On time": at or before the deadline the case had (a revocation\'s as a calendar import left it). A regional admin sees the departments of its region.',
      row: approvalRow,
    },
    (q, s) => {
      const chosen = q.departmentCode ? [q.departmentCode] : undefined;
      const departmentCodes = s.regionDepartments ? (q.departmentCode ? s.regionDepartments.filter((d) => d === q.departmentCode) : s.regionDepartments) : chosen;
      return approvalTimeliness(app.db, { start: s.start, end: s.end, departmentCodes, rehearsal: s.rehearsal }, s.now);
    },
  );
};

export default statsRoutes;
