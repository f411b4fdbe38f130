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
 * Each calendar's exceptions as the working-day arithmetic holds them (workflows/domain/
 * working-days.ts WorkingCalendar): the sorted exception days, and the running sum of what each
 * does to the weekday pattern (a holiday on a weekday −1, a make-up workday on a weekend +1).
 * One row for the national schedule (region '') and one per region with days of its own (the
 * national days with the region's over them, as db/calendar.ts regionData merges them).
 */
const calendars = sql`
  exceptions as (
    select '' as region_code, n.date, n.kind from ${calendarDays} n where n.kind in ('holiday', 'makeup-workday')
    union all
    select r.region_code, n.date, n.kind from (select distinct region_code from ${regionCalendarDays}) r
      join ${calendarDays} n on n.kind in ('holiday', 'makeup-workday')
      where not exists (select 1 from ${regionCalendarDays} o where o.region_code = r.region_code and o.date = n.date)
    union all
    select o.region_code, o.date, o.kind from ${regionCalendarDays} o where o.kind in ('holiday', 'makeup-workday')
  ),
  calendars as (
    select region_code, array_agg(day order by day) as days, array_agg(shift order by day) as shifts
    from (select region_code, date - date '1970-01-01' as day,
                 sum(case when kind = 'holiday' and extract(isodow from date) < 6 then -1
                          when kind = 'makeup-workday' and extract(isodow from date) >= 6 then 1 else 0 end)
                   over (partition by region_code order by date) as shift
          from exceptions) e
    group by region_code
    union all
    select '', '{}'::int[], '{}'::int[] where not exists (select 1 from exceptions) -- no schedule imported: weekends only
  )`;

/**
 * The timeliness figures of the period's tasks, counted in PostgreSQL (docs/decisions.md,
 * "Statistics in SQL"): per department and division, and per month of the push when `byMonth`.
 * The claim's working time is workflows/domain/working-time.ts's under the task's region
 * calendar. Working days through a day are the weekdays through it (a formula) plus the
 * exceptions' running shift up to it (width_bucket: a binary search over the calendar's sorted
 * exception days) — WorkingCalendar.workingThrough. That count is tabled once per calendar for
 * the days claims of the period can fall on (from its first day to a year after it or `now`), so
 * a task costs two hash probes; a claim outside the table (a clock gone wrong) is counted the
 * same way in the row. Instants are cut to the millisecond, as JavaScript's Dates hold them, so
 * every comparison and every duration is the one the Node code made.
 */
function timelinessStatement(f: TaskPeriod, now: Date, byMonth: boolean): SQL {
  const at = sql`${now.toISOString()}::timestamptz`;
  const ms = (c: SQL) => sql`(floor(extract(epoch from ${c}) * 1000))::bigint`;
  const day = (c: SQL) => sql`((${c} + ${SHANGHAI_MS}) / ${DAY_MS})::int`; // instants after 1970: / truncates as floor
  const through = (d: SQL, k: string) => sql`(((${d}) + 3) / 7 * 5 + least(((${d}) + 3) % 7 + 1, 5) - 3 + coalesce(${sql.raw(k)}.shifts[width_bucket(${d}, ${sql.raw(k)}.days)], 0))`;
  const dayOf = (d: Date) => Math.floor((d.getTime() + 8 * 3_600_000) / 86_400_000);
  const [first, last] = [dayOf(f.start) - 1, Math.max(dayOf(f.end), dayOf(now)) + 366];
  const month = byMonth ? sql`to_char((tasks.pushed_at at time zone 'UTC') + interval '8 hours', 'YYYY-MM')` : sql`''`;
  const w = (d: string, col: 'cum' | 'prev', x: string) => sql`coalesce(${sql.raw(`${d}.${col}`)}, ${through(sql.raw(col === 'cum' ? x : `${x} - 1`), 'kc')})`;
  return sql`
    with ${calendars},
    table_of_days as (
      select c.region_code, g.day, ${through(sql`g.day`, 'c')} as cum, ${through(sql`g.day - 1`, 'c')} as prev
      from calendars c cross join generate_series(${sql.raw(String(first))}, ${sql.raw(String(last))}) g(day)
    ),
    period as (
      select tasks.department_code, tasks.division_code, ${month} as month,
             date_trunc('milliseconds', tasks.claim_due_at) as claim_due_at, date_trunc('milliseconds', tasks.claimed_at) as claimed_at,
             date_trunc('milliseconds', tasks.feedback_due_at) as feedback_due_at, date_trunc('milliseconds', tasks.feedback_at) as feedback_at,
             ${ms(sql`tasks.pushed_at`)} as p, case when tasks.claimed_at is not null then ${ms(sql`tasks.claimed_at`)} end as c,
             coalesce(own.region_code, '') as calendar
      from ${tasks}
      left join calendars own on own.region_code = tasks.region_code and own.region_code <> ''
      where ${periodTasks(f)}
      offset 0 -- (each offset 0 keeps a level's columns computed once a row: a flattened query repeats the expressions)
    ),
    spans as (select k.*, ${day(sql`p`)} as f, ${day(sql`c`)} as l from period k offset 0),
    -- What the figures need of each task, and nothing else: the sort by division carries these.
    timed as (
      select k.department_code collate "C" as department_code, k.division_code collate "C" as division_code, k.month,
             k.claimed_at <= k.claim_due_at as claimed_on_time, k.claimed_at > k.claim_due_at as claimed_late,
             k.claimed_at is null and k.claim_due_at < ${at} as unclaimed_past, k.claimed_at is null and k.claim_due_at >= ${at} as unclaimed_open,
             k.feedback_at <= k.feedback_due_at as feedback_on_time, k.feedback_at > k.feedback_due_at as feedback_late,
             k.feedback_at is null and k.feedback_due_at < ${at} as feedback_overdue,
             case when c is null then null
                  when c <= p then 0::bigint
                  when f = l then (${w('d0', 'cum', 'f')} - ${w('d0', 'prev', 'f')}) * (c - p)
                  else (${w('d0', 'cum', 'f')} - ${w('d0', 'prev', 'f')}) * ((f + 1)::bigint * ${DAY_MS} - ${SHANGHAI_MS} - p)
                     + (${w('d1', 'cum', 'l')} - ${w('d1', 'prev', 'l')}) * (c - (l::bigint * ${DAY_MS} - ${SHANGHAI_MS}))
                     + (${w('d1', 'prev', 'l')} - ${w('d0', 'cum', 'f')})::bigint * ${DAY_MS}
             end as working_ms
      from spans k
      left join table_of_days d0 on k.c > k.p and d0.region_code = k.calendar and d0.day = k.f
      left join table_of_days d1 on k.c > k.p and d1.region_code = k.calendar and d1.day = k.l
      left join calendars kc on (d0.day is null or d1.day is null) and kc.region_code = k.calendar
      offset 0
    ),
    -- Grouped byte-wise (fast; the same groups), ordered below as the database orders text.
    figures as (
      select month, department_code, division_code,
             count(*)::int as received,
             (count(*) filter (where claimed_on_time))::int as "claimedOnTime",
             (count(*) filter (where claimed_late))::int as "claimedLate",
             (count(*) filter (where unclaimed_past))::int as "unclaimedPastDeadline",
             (count(*) filter (where unclaimed_open))::int as "unclaimedOpen",
             percentile_disc(0.5) within group (order by working_ms) as "lowerMiddle",
             percentile_disc(0.5) within group (order by working_ms desc) as "upperMiddle",
             (count(*) filter (where feedback_on_time))::int as "feedbackOnTime",
             (count(*) filter (where feedback_late))::int as "feedbackLate",
             (count(*) filter (where feedback_overdue))::int as "feedbackOverdue"
      from timed
      group by month, department_code, division_code
    )
    select month, department_code::text as "departmentCode", division_code::text as "divisionCode", received, "claimedOnTime", "claimedLate", "unclaimedPastDeadline", "unclaimedOpen",
           "lowerMiddle", "upperMiddle", "feedbackOnTime", "feedbackLate", "feedbackOverdue"
    from figures
    order by month, department_code::text collate "default", division_code::text collate "default"`;
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
  return (await countTimeliness(db, timelinessStatement(f, now, false))).map(rowOf);
}

/**
 * A month of a city is ~100,000 tasks: their figures sorted by division for the medians fit in
 * memory with 64 MB (the default 4 MB spills them to disk), and the statement is planned in a
 * millisecond, so compiling it (JIT, ~90 ms at this size) never pays. Both for this statement only.
 */
async function countTimeliness(db: Db, statement: SQL): Promise<StatementRow[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true), set_config('enable_mergejoin', 'off', true)`);
    return tx.execute<StatementRow>(statement);
  });
}

/** The timeliness of the same selection, per calendar month (Asia/Shanghai, YYYY-MM) of the push. */
export async function timelinessByMonth(db: Db, f: TaskPeriod, now: Date): Promise<Map<string, TimelinessRow[]>> {
  const byMonth = new Map<string, TimelinessRow[]>();
  for (const r of await countTimeliness(db, timelinessStatement(f, now, true))) byMonth.set(r.month, [...(byMonth.get(r.month) ?? []), rowOf(r)]);
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
    .leftJoin(cases, eq(cases.applicationNo, tasks.applicationNo))
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
