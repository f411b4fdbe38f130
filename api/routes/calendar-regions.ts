// A region's own working days (区划自定工作日): a local holiday of an autonomous region, a local
// make-up workday. They hold in that region only, win over the national day, and an import of
// them re-times that region's running deadlines and no other's. The region's admin writes them;
// the national schedule stays the platform operator's (calendar.ts).
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { calendarRetimeWorkflowId } from '../../workflows/contracts.js';
import { importRegionDays } from '../../db/calendar.js';
import { calendarYear, regionDays } from '../../db/queries/calendar.js';
import { regionExists } from '../../db/queries/organization.js';
import { importProblems } from '../../workflows/domain/calendar-import.js';
import { ROLES } from '../auth.js';
import { forbidden, HttpProblem, notFound } from '../errors.js';
import { code } from '../schemas.js';
import { day, errors, importBody, imported, startRetiming, yearParam } from './calendar.js';

const params = yearParam.extend({ regionCode: code });
const regionDay = day.extend({ regional: z.boolean().describe("true: the region's own day, over the national one") });
const regionYear = z.object({
  year: z.number().int(),
  regionCode: z.string(),
  published: z.boolean().describe('false: no official national schedule imported; weekends only, deadlines provisional'),
  days: z.array(regionDay),
});
const regionImported = imported.extend({ regionCode: z.string() });

const calendarRegionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/calendar/:year/regions/:regionCode',
    { config: { roles: ROLES }, schema: { operationId: 'getRegionCalendar', tags: ['calendar'], summary: "A region's working-day schedule of a year: the national one with the region's own days over it", params, response: { 200: regionYear, ...errors } } },
    async (req) => {
      const { year, regionCode } = req.params;
      if (!(await regionExists(app.db, regionCode))) throw notFound(`region ${regionCode}`);
      const [{ meta, days }, own] = await Promise.all([calendarYear(app.db, year), regionDays(app.db, regionCode, year)]);
      const byDate = new Map(own.map((d) => [d.date, d]));
      return {
        year,
        regionCode,
        published: Boolean(meta),
        days: days.map((d) => {
          const o = byDate.get(d.date);
          const kind = (o?.kind ?? d.kind) as z.infer<typeof day>['kind'];
          return { date: d.date, working: o ? o.kind === 'makeup-workday' : d.working, kind, holidayName: o ? o.holidayName : d.holidayName, regional: Boolean(o) };
        }),
      };
    },
  );

  app.put(
    '/v1/calendar/:year/regions/:regionCode',
    {
      config: { roles: ['regional-admin'] },
      schema: {
        operationId: 'importRegionCalendar',
        tags: ['calendar'],
        summary: "Set a region's own days of a year (local holidays, local make-up workdays); that region's running deadlines are re-timed",
        description: "Replaces the region's own days of the year (an empty list removes them). The regional admin of that region only. A day listed here wins over the national schedule in this region; no other region's deadline moves.",
        params,
        body: importBody,
        response: { 200: regionImported, ...errors },
      },
    },
    async (req) => {
      const { year, regionCode } = req.params;
      if (req.principal.region !== regionCode) throw forbidden(`the days of region ${regionCode} are set only by its own regional admin`);
      if (!(await regionExists(app.db, regionCode))) throw notFound(`region ${regionCode}`);
      const problemList = importProblems(year, req.body.days);
      if (problemList.length > 0) throw new HttpProblem(422, 'calendar', 'Invalid calendar import', problemList.map((p) => `days[${p.index}]: ${p.message}`).join('; '));
      const result = await importRegionDays(app.db, { regionCode, year, notice: req.body.notice, days: req.body.days, by: req.principal.sub });
      await startRetiming(app);
      return { year, regionCode, ...result, retimeWorkflowId: calendarRetimeWorkflowId(result.importId) };
    },
  );
};

export default calendarRegionRoutes;
