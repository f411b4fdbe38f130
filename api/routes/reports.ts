// The monthly 通报 (seed 003 §21) of a region: one resource, three representations by content
// negotiation — the JSON figures (default), the HTML page with its charts, and the same page
// printed to an A4 PDF. A month already published (kept by the monthlyReport workflow) is
// answered from what was kept, so a published 通报 reads the same later; any other month is
// counted now (docs/reports.md).
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { keptReport, monthlyReport, reportRegion, shanghaiMonthOf, type MonthlyReport } from '../../db/queries/reports.js';
import { reportHtml } from '../report/html.js';
import { forbidden, HttpProblem, notFound, problems, unprocessable } from '../errors.js';
import { code } from '../schemas.js';

const query = z
  .object({
    region: code.describe('the region (区划 code, e.g. 320700)'),
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM (a calendar month in Asia/Shanghai)')
      .refine((m) => m >= '2000-01' && m <= '2100-12', 'between 2000 and 2100'),
  })
  .strict();

const count = z.number().int();
const figures = z.object({
  received: count.describe('tasks pushed in the month'),
  claimedOnTime: count,
  claimedLate: count,
  unclaimedPastDeadline: count.describe('not claimed, and the claim deadline has passed'),
  unclaimedOpen: count.describe('not claimed, deadline not passed yet'),
  feedbackOnTime: count,
  feedbackLate: count,
  feedbackOverdue: count.describe('no feedback yet, and the feedback deadline has passed'),
  rectificationsOrdered: count.describe('tasks whose feedback ordered a rectification (限期整改)'),
  rectified: count,
  notRectified: count.describe('re-inspected not rectified: a revocation was requested'),
  rectificationOpen: count,
  revocationsRequested: count.describe('tasks that ended in a revocation request to the approval department'),
  licencesRevoked: count.describe('of those, licences the approval department has revoked'),
  remindersSent: count.describe('reminders (提醒) sent about these tasks'),
  escalationsSent: count.describe('urging and escalation notices (催办, 督办) sent about these tasks'),
  claimOnTimeRate: z.number().nullable().describe('claimedOnTime / (claimedOnTime + claimedLate + unclaimedPastDeadline); null when none was due'),
});

const complaintFigures = z.object({ received: count, repliedOnTime: count, repliedLate: count, unrepliedPastDeadline: count, unrepliedOpen: count });
const noticeFigures = z.object({ received: count, answeredOnTime: count.describe('claimed (双告知) or acknowledged (联动告知) by the deadline'), answeredLate: count, licensedUnclaimed: count.describe('closed by the licence (后置审批) before a claim'), unansweredPastDeadline: count, unansweredOpen: count });
const outsideWorkSchema = z.object({
  totals: z.object({ complaints: complaintFigures, notices: noticeFigures }),
  departments: z.array(z.object({ code: z.string(), name: z.string(), complaints: complaintFigures, notices: noticeFigures })),
});

export const monthlyReportSchema = z.object({
  region: z.object({ code: z.string(), name: z.string() }),
  month: z.string(),
  period: z.object({ from: z.string(), to: z.string(), timeZone: z.literal('Asia/Shanghai') }),
  asOf: z.string().describe('the figures as they stood at this instant'),
  totals: figures,
  departments: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      totals: figures,
      divisions: z.array(figures.extend({ code: z.string(), name: z.string(), medianClaimWorkingHours: z.number().nullable() })),
    }),
  ),
  ranking: z.array(z.object({ rank: count, departmentCode: z.string(), name: z.string(), claimOnTimeRate: z.number().nullable(), received: count, late: count.describe('claimed late, or unclaimed past the deadline') })),
  trend: z.array(z.object({ month: z.string(), received: count, claimedOnTime: count, claimedLate: count, unclaimedPastDeadline: count, feedbackOnTime: count, feedbackLate: count, claimOnTimeRate: z.number().nullable() })).describe('the twelve months ending with this one'),
  change: z.object({ previousMonth: z.string(), received: count, claimOnTimeRatePoints: z.number().nullable() }),
  overdue: z
    .array(
      z.object({
        kind: z.enum(['claim', 'inspection', 'feedback', 'reinspection', 'rectification', 'decision', 'commitment', 'revocation']),
        applicationNo: z.string(),
        applicantName: z.string(),
        taskId: z.string().nullable(),
        dueAt: z.string(),
        departmentCode: z.string(),
        departmentName: z.string(),
        divisionCode: z.string().nullable(),
        divisionName: z.string().nullable(),
      }),
    )
    .describe('open now and past a deadline: who owes what since when'),
  overdueTotal: count,
  outsideWork: outsideWorkSchema.optional().describe('complaints and department notices the region’s departments received in the month; absent from a report kept before it was counted'),
});

const answer = monthlyReportSchema.extend({
  kept: z
    .object({ sha256: z.string().describe('sha-256 of the report without `kept`, as canonical JSON (keys sorted)'), producedAt: z.string() })
    .nullable()
    .describe('the published 通报 this is, as kept; null: counted now, not published'),
});

const MEDIA = ['application/json', 'text/html', 'application/pdf'] as const;
type Media = (typeof MEDIA)[number];

/** The representation the Accept header prefers (q-values; JSON when it does not care); null when it admits none. */
export function negotiate(accept: string | undefined): Media | null {
  if (!accept?.trim()) return 'application/json';
  let best: { media: Media; q: number; order: number } | null = null;
  accept.split(',').forEach((part, order) => {
    const [range, ...params] = part.trim().toLowerCase().split(';').map((s) => s.trim());
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1);
    if (!range || !(q > 0)) return;
    const matches = range === '*/*' ? ['application/json' as const] : range.endsWith('/*') ? MEDIA.filter((m) => m.startsWith(range.slice(0, -1))) : MEDIA.filter((m) => m === range);
    for (const media of matches) if (!best || q > best.q) best = { media, q, order };
  });
  return (best as { media: Media } | null)?.media ?? null;
}

const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/reports/monthly',
    {
      config: { roles: ['operator', 'regional-admin'] },
      schema: {
        operationId: 'getMonthlyReport',
        tags: ['statistics'],
        summary: "A region's monthly 通报: per department and division, the trend, and what is overdue — as JSON, an HTML page or an A4 PDF",
        description:
          'Content negotiation by `Accept`: `application/json` (default; the schema below), `text/html` (the page with its charts, SVG drawn on the server), `application/pdf` (the same page printed for A4; 503 when the server has no browser). ' +
          'Figures: the supervision tasks pushed in the calendar month (Asia/Shanghai), with the definitions of `GET /v1/stats/timeliness`; training regions have no 通报. A month the scheduled workflow published answers what it kept (`kept` names its hash). ' +
          'An operator reads any region; a regional admin its own.',
        querystring: query,
        produces: [...MEDIA],
        response: { 200: answer, ...problems(400, 401, 403, 404, 406, 422, 503) },
      },
    },
    async (req, reply) => {
      const { query: q, principal: p } = req;
      const media = negotiate(req.headers.accept);
      if (!media) throw new HttpProblem(406, 'not-acceptable', 'Not acceptable', `the 通报 is available as ${MEDIA.join(', ')}`);
      const region = await reportRegion(app.db, q.region);
      if (!region) throw notFound(`region ${q.region}`);
      if (p.role === 'regional-admin' && p.region !== q.region) throw forbidden(`a regional admin of ${p.region ?? '(no region)'} may read only its own region's 通报; region ${q.region} is not its own`);
      if (region.rehearsal) throw unprocessable(`region ${q.region} is a training region (培训演练): its figures are never reported`);
      const now = new Date();
      if (q.month > shanghaiMonthOf(now)) throw unprocessable(`month ${q.month} has not begun`);
      const kept = await keptReport(app.db, q.region, q.month);
      const report = kept ? (kept.report as unknown as MonthlyReport) : await monthlyReport(app.db, region, q.month, now);
      const keptInfo = kept ? { sha256: kept.sha256, producedAt: kept.producedAt.toISOString() } : null;
      // Names applicants and officials: kept by no shared cache.
      void reply.header('vary', 'Accept').header('cache-control', 'private, no-store');
      if (media === 'application/json') return { ...report, kept: keptInfo };
      const html = reportHtml(report, keptInfo ?? undefined);
      const file = `tongbao-${q.region}-${q.month}`;
      if (media === 'text/html') return reply.type('text/html; charset=utf-8').send(html as never);
      const pdf = await app.pdf.print(html);
      return reply.type('application/pdf').header('content-disposition', `inline; filename="${file}.pdf"`).send(pdf as never);
    },
  );
};

export default reportRoutes;
