// Claim and feedback timeliness per department and division, for assessment (考核督查).
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
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

const statsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/stats/timeliness',
    {
      config: { roles: ['operator', 'regional-admin'] },
      schema: {
        operationId: 'getTimelinessStats',
        tags: ['statistics'],
        summary: 'Claim and feedback timeliness per department and division, for assessment (考核督查)',
        description: 'Tasks pushed from `from` 00:00 to `to` 24:00 (Asia/Shanghai). "On time" means at or before the deadline the task had. A regional admin sees the departments of its region.',
        querystring: period,
        response: { 200: z.object({ from: z.string(), to: z.string(), generatedAt: z.string(), rows: z.array(timelinessRow) }), ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { query: q, principal: p } = req;
      if (p.role === 'regional-admin' && !p.region) throw forbidden('a regional-admin token must name its region');
      const departmentCodes = p.role === 'regional-admin' ? await departmentsOfRegion(app.db, p.region!) : undefined;
      const { start, end } = bounds(q);
      const now = new Date();
      const rows = await timeliness(app.db, { start, end, departmentCode: q.departmentCode, departmentCodes, rehearsal: q.rehearsal === 'true' }, now);
      return { from: q.from, to: q.to, generatedAt: now.toISOString(), rows };
    },
  );

  app.get(
    '/v1/stats/approval-timeliness',
    {
      config: { roles: ['operator', 'regional-admin'] },
      schema: {
        operationId: 'getApprovalTimelinessStats',
        tags: ['statistics'],
        summary: 'Decisions and revocation decisions on time and late, per approval department (考核督查)',
        description: 'Cases routed, and revocations pending, from `from` 00:00 to `to` 24:00 (Asia/Shanghai). "On time": at or before the deadline the case had (a revocation\'s as a calendar import left it). A regional admin sees the departments of its region.',
        querystring: period,
        response: { 200: z.object({ from: z.string(), to: z.string(), generatedAt: z.string(), rows: z.array(approvalRow) }), ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { query: q, principal: p } = req;
      if (p.role === 'regional-admin' && !p.region) throw forbidden('a regional-admin token must name its region');
      const departmentCodes = p.role === 'regional-admin' ? await departmentsOfRegion(app.db, p.region!) : q.departmentCode ? [q.departmentCode] : undefined;
      const scoped = p.role === 'regional-admin' && q.departmentCode ? departmentCodes!.filter((d) => d === q.departmentCode) : departmentCodes;
      const { start, end } = bounds(q);
      const now = new Date();
      const rows = await approvalTimeliness(app.db, { start, end, departmentCodes: scoped, rehearsal: q.rehearsal === 'true' }, now);
      return { from: q.from, to: q.to, generatedAt: now.toISOString(), rows };
    },
  );
};

export default statsRoutes;
