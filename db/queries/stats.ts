// Figures for people who watch the loop: claim and feedback timeliness per department and
// division (考核督查), and the domain gauges the API's /metrics reads at scrape time. All from
// the read model, never by scanning Temporal.
import { and, asc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { rehearsalRegions } from './catalog.js';
import { calendarDays, cases, notifications, regionCalendarDays, tasks } from '../schema/index.js';

export interface TimelinessRow {
  departmentCode: string;
  divisionCode: string;
  received: number;
  claimedOnTime: number;
  claimedLate: number;
  unclaimedPastDeadline: number;
  unclaimedOpen: number;
  /** Median time from push to claim, counting only working days (24 h each). */
  medianClaimWorkingHours: number | null;
  feedbackOnTime: number;
  feedbackLate: number;
  feedbackOverdue: number;
}

/** Which tasks a figure counts: pushed in [start, end), live or rehearsal, of these departments. */
export interface TaskPeriod {
  start: Date;
  end: Date;
  departmentCode?: string;
  /** Limits it to these departments (a regional admin's region). */
  departmentCodes?: string[];
  rehearsal?: boolean;
}

/** The one selection every assessment figure counts (timeliness, the monthly report's loop figures and trend). */
export function periodTasks(f: TaskPeriod): SQL {
  // Live figures never count a rehearsal (培训演练); the rehearsal's are asked for apart.
  const where: SQL[] = [gte(tasks.pushedAt, f.start), lt(tasks.pushedAt, f.end), f.rehearsal ? sql`${tasks.regionCode} in ${rehearsalRegions}` : sql`${tasks.regionCode} not in ${rehearsalRegions}`];
  if (f.departmentCode) where.push(eq(tasks.departmentCode, f.departmentCode));
  if (f.departmentCodes) where.push(inArray(tasks.departmentCode, f.departmentCodes.length ? f.departmentCodes : ['-']));
  return and(...where)!;
}

// Inlined, not bound: a constant, and the planner types it from the literal.
const DAY_MS = sql.raw('86400000');
const SHANGHAI_MS = sql.raw('28800000');

/**
 * The timeliness figures of the period's tasks, counted in PostgreSQL (docs/decisions.md,
 * "Statistics in SQL"): per department and division, and per month of the push when `byMonth`.
 * The claim's working time is the working-time-between of workflows/domain/working-time.ts
 * under the task's region calendar (the national days with the region's own over them,
 * db/calendar.ts regionData): the working days' cumulative count over the days the period's
 * claims span, one row per region and day, joined at the push's day and at the claim's — O(1)
 * per task instead of a walk. Instants are cut to the millisecond, as JavaScript's Dates hold
 * them, so every comparison and every duration is the one the Node code made.
 */
function timelinessStatement(f: TaskPeriod, now: Date, byMonth: boolean): SQL {
  const ms = (c: SQL) => sql`(floor(extract(epoch from ${c}) * 1000))::bigint`;
  const day = (c: SQL) => sql`floor((${c} + ${SHANGHAI_MS}) / ${DAY_MS}::numeric)::int`;
  const at = sql`${now.toISOString()}::timestamptz`;
  const month = byMonth ? sql`to_char((t.pushed_at at time zone 'UTC') + interval '8 hours', 'YYYY-MM')` : sql`''`;
  return sql`
    with t as materialized (
      select department_code, division_code, region_code, pushed_at,
             date_trunc('milliseconds', claim_due_at) as claim_due_at, date_trunc('milliseconds', claimed_at) as claimed_at,
             date_trunc('milliseconds', feedback_due_at) as feedback_due_at, date_trunc('milliseconds', feedback_at) as feedback_at,
             ${ms(sql`pushed_at`)} as p_ms, ${ms(sql`claimed_at`)} as c_ms
      from ${tasks} where ${periodTasks(f)}
    ),
    claimed as (select region_code, p_ms, c_ms, ${day(sql`p_ms`)} as p_day, ${day(sql`c_ms`)} as c_day from t where c_ms > p_ms),
    span as (select min(p_day) as lo, max(c_day) as hi from claimed),
    days as (
      select r.region_code, g.day, w.working,
             sum(w.working) over (partition by r.region_code order by g.day) as cum
      from (select distinct region_code from claimed) r
      cross join span cross join generate_series(span.lo, span.hi) g(day)
      left join ${calendarDays} n on n.date = date '1970-01-01' + g.day and n.kind in ('holiday', 'makeup-workday')
      left join ${regionCalendarDays} o on o.region_code = r.region_code and o.date = date '1970-01-01' + g.day
      cross join lateral (select case coalesce(o.kind, n.kind) when 'holiday' then 0 when 'makeup-workday' then 1
                                      else (extract(isodow from date '1970-01-01' + g.day) < 6)::int end as working) w
    ),
    timed as (
      select t.*, ${month} as month,
             case when t.claimed_at is null then null
                  when t.c_ms <= t.p_ms then 0::bigint
                  when d0.day = d1.day then d0.working * (t.c_ms - t.p_ms)
                  else d0.working * ((d0.day + 1)::bigint * ${DAY_MS} - ${SHANGHAI_MS} - t.p_ms)
                     + d1.working * (t.c_ms - (d1.day::bigint * ${DAY_MS} - ${SHANGHAI_MS}))
                     + (d1.cum - d1.working - d0.cum) * ${DAY_MS}::bigint
             end as working_ms
      from t
      left join days d0 on t.c_ms > t.p_ms and d0.region_code = t.region_code and d0.day = ${day(sql`t.p_ms`)}
      left join days d1 on t.c_ms > t.p_ms and d1.region_code = t.region_code and d1.day = ${day(sql`t.c_ms`)}
    )
    select month, department_code as "departmentCode", division_code as "divisionCode",
           count(*)::int as received,
           (count(*) filter (where claimed_at <= claim_due_at))::int as "claimedOnTime",
           (count(*) filter (where claimed_at > claim_due_at))::int as "claimedLate",
           (count(*) filter (where claimed_at is null and claim_due_at < ${at}))::int as "unclaimedPastDeadline",
           (count(*) filter (where claimed_at is null and claim_due_at >= ${at}))::int as "unclaimedOpen",
           percentile_disc(0.5) within group (order by working_ms) as "lowerMiddle",
           percentile_disc(0.5) within group (order by working_ms desc) as "upperMiddle",
           (count(*) filter (where feedback_at <= feedback_due_at))::int as "feedbackOnTime",
           (count(*) filter (where feedback_at > feedback_due_at))::int as "feedbackLate",
           (count(*) filter (where feedback_at is null and feedback_due_at < ${at}))::int as "feedbackOverdue"
    from timed
    group by month, department_code, division_code
    order by month, department_code, division_code`;
}

type StatementRow = Omit<TimelinessRow, 'medianClaimWorkingHours'> & { month: string; lowerMiddle: string | null; upperMiddle: string | null };

/** The median in working hours to two decimals: the mean of the two middle durations (the same one when their count is odd). */
function rowOf({ month: _m, lowerMiddle, upperMiddle, feedbackOnTime, feedbackLate, feedbackOverdue, ...claims }: StatementRow): TimelinessRow {
  const median = lowerMiddle === null || upperMiddle === null ? null : (Number(lowerMiddle) / 3_600_000 + Number(upperMiddle) / 3_600_000) / 2;
  return { ...claims, medianClaimWorkingHours: median === null ? null : Math.round(median * 100) / 100, feedbackOnTime, feedbackLate, feedbackOverdue };
}

/**
 * Timeliness of the tasks pushed in [start, end), per department and division, in their order.
 * `departmentCodes` limits it to those departments (a regional admin's region).
 */
export async function timeliness(db: Db, f: TaskPeriod, now: Date): Promise<TimelinessRow[]> {
  const rows = await db.execute<StatementRow>(timelinessStatement(f, now, false));
  return rows.map(rowOf);
}

/** The timeliness of the same selection, per calendar month (Asia/Shanghai, YYYY-MM) of the push. */
export async function timelinessByMonth(db: Db, f: TaskPeriod, now: Date): Promise<Map<string, TimelinessRow[]>> {
  const byMonth = new Map<string, TimelinessRow[]>();
  for (const r of await db.execute<StatementRow>(timelinessStatement(f, now, true))) byMonth.set(r.month, [...(byMonth.get(r.month) ?? []), rowOf(r)]);
  return byMonth;
}

/** What became of the same tasks after the claim, per department and division (the monthly 通报). */
export interface LoopFiguresRow {
  departmentCode: string;
  divisionCode: string;
  /** Tasks whose feedback ordered a rectification (限期整改), and how those ended so far. */
  rectificationsOrdered: number;
  rectified: number;
  notRectified: number;
  rectificationOpen: number;
  /** Tasks that ended in a revocation request to the approval department, and the licences revoked of them. */
  revocationsRequested: number;
  licencesRevoked: number;
  /** Messages about these tasks that went out: reminders (提醒), and urging or escalation notices (催办, 督办). */
  remindersSent: number;
  escalationsSent: number;
}

/** Rectifications, revocations, reminders and escalations of the tasks pushed in [start, end). */
export async function loopFigures(db: Db, f: TaskPeriod): Promise<LoopFiguresRow[]> {
  const int = (q: SQL) => sql<number>`(${q})::int`.mapWith(Number);
  const sent = (pattern: string) =>
    int(sql`select count(*) from ${notifications} n where n.task_id = ${tasks.taskId} and n.sent_at is not null and (${sql.raw(pattern)})`);
  const perTask = db
    .select({
      departmentCode: tasks.departmentCode,
      divisionCode: tasks.divisionCode,
      ordered: sql<number>`(${tasks.rectificationRound} > 0)::int`.as('ordered'),
      rectified: sql<number>`(${tasks.rectificationRound} > 0 and ${tasks.outcome} = 'rectified')::int`.as('rectified'),
      notRectified: sql<number>`(${tasks.rectificationRound} > 0 and ${tasks.outcome} = 'revocation-requested')::int`.as('not_rectified'),
      open: sql<number>`(${tasks.rectificationRound} > 0 and ${tasks.outcome} is null)::int`.as('open'),
      revocation: sql<number>`(${tasks.outcome} = 'revocation-requested')::int`.as('revocation'),
      revoked: sql<number>`(${tasks.outcome} = 'revocation-requested' and ${cases.licenceStatus} = 'revoked')::int`.as('revoked'),
      reminders: sent(`n.template like '%reminder%'`).as('reminders'),
      escalations: sent(`n.template like '%escalation%' or n.template like '%urging%'`).as('escalations'),
    })
    .from(tasks)
    .innerJoin(cases, eq(cases.applicationNo, tasks.applicationNo))
    .where(periodTasks(f))
    .as('t');
  const rows = await db
    .select({
      departmentCode: perTask.departmentCode,
      divisionCode: perTask.divisionCode,
      rectificationsOrdered: int(sql`sum(${perTask.ordered})`),
      rectified: int(sql`sum(${perTask.rectified})`),
      notRectified: int(sql`sum(${perTask.notRectified})`),
      rectificationOpen: int(sql`sum(${perTask.open})`),
      revocationsRequested: int(sql`sum(${perTask.revocation})`),
      licencesRevoked: int(sql`sum(${perTask.revoked})`),
      remindersSent: int(sql`sum(${perTask.reminders})`),
      escalationsSent: int(sql`sum(${perTask.escalations})`),
    })
    .from(perTask)
    .groupBy(perTask.departmentCode, perTask.divisionCode)
    .orderBy(asc(perTask.departmentCode), asc(perTask.divisionCode));
  return rows;
}

export type DomainFigures = {
  cases: number;
  open_cases: number;
  tasks_overdue: number;
  feedback_overdue: number;
  reminders: number;
  sms_failed: number;
};

/** The domain's figures for /metrics in one statement. `cases` and `reminders` only grow (counters). */
export async function domainFigures(db: Db): Promise<DomainFigures> {
  const [row] = await db.execute<DomainFigures>(sql`
    select
      (select count(*) from cases)::int as cases,
      (select count(*) from cases where closed_at is null)::int as open_cases,
      (select count(*) from tasks where claim_overdue and status = 'awaiting-claim')::int as tasks_overdue,
      (select count(*) from tasks where feedback_overdue and status <> 'closed')::int as feedback_overdue,
      (select count(*) from notifications where template like '%reminder%' and sent_at is not null)::int as reminders,
      (select count(*) from notifications where status = 'failed')::int as sms_failed`);
  return row!;
}
