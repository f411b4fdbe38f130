// The working-day calendar: the deadline for a period, a year's schedule, and the import of an
// official schedule, after which a workflow re-times the running deadlines it touches.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { calendarRetime } from '../../workflows/calendarRetime.js';
import { calendarRetimeWorkflowId } from '../../workflows/contracts.js';
import { importCalendar, loadCalendarData, regionData } from '../../db/calendar.js';
import { calendarYear, unretimedImports } from '../../db/queries/calendar.js';
import { importProblems } from '../../workflows/domain/calendar-import.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { computeDeadline } from '../../workflows/domain/deadlines.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import { ROLES } from '../auth.js';
import { HttpProblem, problems } from '../errors.js';
import { code, isoInstant, shortText } from '../schemas.js';

export const yearParam = z.object({ year: z.coerce.number().int().min(2000).max(2100) });
export const day = z.object({ date: z.string(), working: z.boolean(), kind: z.enum(['workday', 'weekend', 'holiday', 'makeup-workday']), holidayName: z.string().nullable() });
const yearView = z.object({
  year: z.number().int(),
  published: z.boolean().describe('false: no official schedule imported; weekends only, deadlines provisional'),
  sourceNotice: z.string().nullable(),
  importedAt: z.string().nullable(),
  days: z.array(day),
});

export const importBody = z
  .object({
    notice: shortText(500).describe('the notice this schedule comes from, e.g. 国务院办公厅关于2027年部分节假日安排的通知'),
    days: z
      .array(
        z
          .object({
            date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
            kind: z.enum(['holiday', 'makeup-workday']),
            name: shortText(50).optional(),
          })
          .strict(),
      )
      .max(120)
      .describe('the exceptions to the weekday pattern: holidays and make-up workdays (调休上班)'),
  })
  .strict();
export const imported = z.object({ year: z.number().int(), importId: z.number().int(), changedDates: z.array(z.string()), newlyPublished: z.boolean(), retimeWorkflowId: z.string() });

const deadlineQuery = z
  .object({
    from: isoInstant.refine((v) => Date.parse(v) >= Date.UTC(2000, 0, 1) && Date.parse(v) < Date.UTC(2100, 0, 1), 'between 2000 and 2100'),
    workingDays: z.coerce.number().int().min(1).max(365),
    region: code.optional().describe("a region whose own days count too (its local holidays and make-up days); absent: the national schedule"),
  })
  .strict();
const deadlineAnswer = z.object({ from: z.string(), workingDays: z.number().int(), dueAt: z.string(), dueAtShanghai: z.string(), provisional: z.boolean() });

export const errors = problems(400, 401, 403, 404, 422);

/**
 * Durable: the re-timing runs as a workflow, so it finishes even if this process dies now. Any
 * earlier import whose re-timing never started (the process died in between) is started again
 * here; one already running or done is left alone (same workflow id).
 */
export async function startRetiming(app: FastifyInstance): Promise<void> {
  for (const imp of await unretimedImports(app.db)) {
    await app.temporal.workflow
      .start<typeof calendarRetime>('calendarRetime', {
        workflowId: calendarRetimeWorkflowId(imp.id),
        taskQueue: app.config.temporal.taskQueue,
        args: [{ importId: imp.id, year: imp.year }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `re-time running deadlines after the ${imp.year} calendar import #${imp.id}`,
      })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
  }
}

const calendarRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/calendar/deadline',
    {
      config: { roles: ROLES },
      schema: {
        operationId: 'computeDeadline',
        tags: ['calendar'],
        summary: 'The deadline instant for a period of working days, by the legal convention',
        description: 'The start day is not counted; the deadline is 24:00 Asia/Shanghai of the n-th working day after it.',
        querystring: deadlineQuery,
        response: { 200: deadlineAnswer, ...errors },
      },
    },
    async (req) => {
      const calendar = new WorkingCalendar(regionData(await loadCalendarData(app.db), req.query.region ?? null));
      const d = computeDeadline(calendar, { unit: 'working-day', officeTime: '09:00' }, new Date(req.query.from), req.query.workingDays, 0);
      return { from: new Date(req.query.from).toISOString(), workingDays: req.query.workingDays, dueAt: d.dueAt, dueAtShanghai: formatShanghai(d.dueAt), provisional: d.provisional };
    },
  );

  app.get('/v1/calendar/:year', { config: { roles: ROLES }, schema: { operationId: 'getCalendar', tags: ['calendar'], summary: "A year's working-day schedule", params: yearParam, response: { 200: yearView, ...errors } } }, async (req) => {
    const { year } = req.params;
    const { meta, days } = await calendarYear(app.db, year);
    return {
      year,
      published: Boolean(meta),
      sourceNotice: meta?.sourceNotice ?? null,
      importedAt: meta?.importedAt.toISOString() ?? null,
      days: days.map((d) => ({ date: d.date, working: d.working, kind: d.kind as z.infer<typeof day>['kind'], holidayName: d.holidayName })),
    };
  });

  app.put(
    '/v1/calendar/:year',
    {
      // The national schedule moves every legal deadline of every region: the platform
      // operator's alone, never a regional admin's (a region's own days are not this schedule).
      config: { roles: ['operator'] },
      schema: {
        operationId: 'importCalendar',
        tags: ['calendar'],
        summary: "Import a year's official (national) schedule; running deadlines it touches are re-timed",
        description: 'Replaces the year. Dates of December of the previous year may be listed too (a notice can move them). Every running deadline that falls on or after a changed day, or that was provisional, is re-computed, and its case history says so.',
        params: yearParam,
        body: importBody,
        response: { 200: imported, ...errors },
      },
    },
    async (req) => {
      const { year } = req.params;
      const problemList = importProblems(year, req.body.days);
      if (problemList.length > 0) throw new HttpProblem(422, 'calendar', 'Invalid calendar import', problemList.map((p) => `days[${p.index}]: ${p.message}`).join('; '));
      const result = await importCalendar(app.db, { year, notice: req.body.notice, days: req.body.days, by: req.principal.sub });
      await startRetiming(app);
      return { year, ...result, retimeWorkflowId: calendarRetimeWorkflowId(result.importId) };
    },
  );
};

export default calendarRoutes;
