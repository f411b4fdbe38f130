// GET /v1/stats/inspections: 双随机 per department (issue #27 item 5) — plans, targets drawn by
// class, inspections recorded on time, results, and per credit grade the share inspected against
// the share drawn. A department reads its own; a regional admin its region's; operators all.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eq } from 'drizzle-orm';
import { inspectionStats } from '../../../db/queries/inspection-stats.js';
import { departments } from '../../../db/schema/index.js';
import { calendarDate, creditGrade, riskGrade } from '../../inspection-schemas.js';
import { forbidden, problems } from '../../errors.js';
import { code } from '../../schemas.js';
import { CREDIT_GRADES } from '../../../workflows/domain/inspection-policy.js';

const departmentStats = z
  .object({
    departmentCode: z.string(),
    plans: z.object({ total: z.number().int(), draft: z.number().int(), committed: z.number().int(), drawn: z.number().int() }),
    drawnByClass: z.array(z.object({ creditGrade, riskGrade, population: z.number().int(), drawn: z.number().int() })),
    inspections: z.object({ recorded: z.number().int(), onTime: z.number().int(), late: z.number().int() }),
    results: z.record(z.string(), z.number().int()).describe('results recorded by the department, by result'),
    byCreditGrade: z.array(z.object({ creditGrade, population: z.number().int(), drawn: z.number().int(), plannedShare: z.number().describe('drawn / population'), inspected: z.number().int(), inspectedShare: z.number().describe('inspected / population') })),
  })
  .meta({ id: 'InspectionStats' });

const statsRoutes: FastifyPluginAsyncZod = async (app) => {
  const query = z.object({ departmentCode: code.optional(), from: calendarDate.optional(), to: calendarDate.optional() }).strict();
  app.get('/v1/stats/inspections', { config: { roles: ['supervision', 'regional-admin', 'operator'] }, schema: { operationId: 'inspectionStats', tags: ['random-inspections', 'statistics'], summary: 'Random inspections per department: plans, targets drawn by class, inspections on time, results, share inspected per credit grade against the plan', querystring: query, response: { 200: z.object({ items: z.array(departmentStats) }), ...problems(400, 401, 403) } } }, async (req) => {
    const p = req.principal;
    let scope: string[] | null = null;
    if (p.role === 'supervision') scope = [p.department ?? ''];
    if (p.role === 'regional-admin') scope = (await app.db.select({ code: departments.code }).from(departments).where(eq(departments.regionCode, p.region ?? ''))).map((d) => d.code);
    if (req.query.departmentCode) {
      if (scope && !scope.includes(req.query.departmentCode)) throw forbidden(`the statistics of ${req.query.departmentCode} are not yours`);
      scope = [req.query.departmentCode];
    }
    const s = await inspectionStats(app.db, { departments: scope, from: req.query.from, to: req.query.to });
    const names = [...new Set([...s.planRows, ...s.classRows, ...s.resultRows].map((r) => r.department))].sort();
    return {
      items: names.map((departmentCode) => {
        const plans = s.planRows.filter((r) => r.department === departmentCode);
        const count = (status: string) => plans.filter((r) => r.status === status).reduce((n, r) => n + r.n, 0);
        const classes = s.classRows.filter((r) => r.department === departmentCode);
        const results = s.resultRows.filter((r) => r.department === departmentCode);
        const recorded = results.reduce((n, r) => n + r.n, 0);
        const onTime = results.filter((r) => r.on_time).reduce((n, r) => n + r.n, 0);
        return {
          departmentCode,
          plans: { total: plans.reduce((n, r) => n + r.n, 0), draft: count('draft'), committed: count('committed'), drawn: count('drawn') },
          drawnByClass: classes.map((c) => ({ creditGrade: c.credit_grade as 'A', riskGrade: c.risk_grade as 'low', population: c.population, drawn: c.drawn })),
          inspections: { recorded, onTime, late: recorded - onTime },
          results: Object.fromEntries(results.reduce((m, r) => m.set(r.result, (m.get(r.result) ?? 0) + r.n), new Map<string, number>())),
          byCreditGrade: CREDIT_GRADES.map((grade) => {
            const population = classes.filter((c) => c.credit_grade === grade).reduce((n, c) => n + c.population, 0);
            const drawn = classes.filter((c) => c.credit_grade === grade).reduce((n, c) => n + c.drawn, 0);
            const inspected = s.gradeRows.find((g) => g.department === departmentCode && g.credit_grade === grade)?.inspected ?? 0;
            return { creditGrade: grade, population, drawn, plannedShare: population ? drawn / population : 0, inspected, inspectedShare: population ? inspected / population : 0 };
          }),
        };
      }),
    };
  });
};

export default statsRoutes;
