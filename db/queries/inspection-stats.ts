// Statistics of 双随机 per department (issue #27 item 5): plans, targets drawn by class (credit ×
// risk), inspections recorded and on time, results, and per credit grade the share inspected
// against the share the plans drew. A joint plan counts for each of its departments; a result
// for the department that recorded it, and for the plan's departments in the per-grade shares.
import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';

export interface InspectionStatsFilter {
  /** Only these departments (a department's own, a region's); null: all. */
  departments: string[] | null;
  /** Plans whose period starts in [from, to] (YYYY-MM-DD), when given. */
  from?: string;
  to?: string;
}

export async function inspectionStats(db: Db, f: InspectionStatsFilter) {
  const dept = f.departments ? sql`and d.code in ${f.departments.length ? f.departments : ['']}` : sql``;
  const period = sql`${f.from ? sql`and p.period_start >= ${f.from}` : sql``} ${f.to ? sql`and p.period_start <= ${f.to}` : sql``}`;
  const plans = sql`select p.*, d.code as department from inspection_plans p cross join lateral jsonb_array_elements_text(p.departments) as d(code) where true ${dept} ${period}`;
  const [planRows, classRows, resultRows, gradeRows] = await Promise.all([
    db.execute<{ department: string; status: string; n: number }>(sql`select department, status, count(*)::int as n from (${plans}) x group by department, status order by department, status`),
    db.execute<{ department: string; credit_grade: string; risk_grade: string; population: number; drawn: number }>(sql`
      select x.department, c->>'creditGrade' as credit_grade, c->>'riskGrade' as risk_grade, sum((c->>'population')::int)::int as population, sum((c->>'drawn')::int)::int as drawn
      from (${plans}) x join inspection_draws dr on dr.plan_id = x.plan_id cross join lateral jsonb_array_elements(dr.classes) c
      group by 1, 2, 3 order by 1, 2, 3`),
    db.execute<{ department: string; result: string; on_time: boolean; n: number }>(sql`
      select r.department_code as department, r.result, r.on_time, count(*)::int as n
      from inspection_results r join (${plans}) x on x.plan_id = r.draw_id and x.department = r.department_code
      group by 1, 2, 3 order by 1, 2, 3`),
    db.execute<{ department: string; credit_grade: string; inspected: number }>(sql`
      select x.department, t.credit_grade, count(*)::int as inspected
      from (${plans}) x join inspection_results r on r.draw_id = x.plan_id join draw_targets t on t.draw_id = r.draw_id and t.credit_code = r.credit_code
      group by 1, 2 order by 1, 2`),
  ]);
  return { planRows: [...planRows], classRows: [...classRows], resultRows: [...resultRows], gradeRows: [...gradeRows] };
}
