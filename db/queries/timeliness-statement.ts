// The timeliness figures' one statement, counted in PostgreSQL (docs/decisions.md, "Statistics
// in SQL"): the period's tasks (task-period.ts), each claim's working time under its region's
// calendar, grouped per department and division (and per month of the push). stats.ts runs it.
import { sql, type SQL } from 'drizzle-orm';
import { calendarDays, regionCalendarDays, tasks } from '../schema/index.js';
import { periodTasks, type TaskPeriod } from './task-period.js';

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
export function timelinessStatement(f: TaskPeriod, now: Date, byMonth: boolean): SQL {
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
