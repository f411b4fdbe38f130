// Figures for people who watch the loop: claim and feedback timeliness per department and
// division (考核督查), in all and per month, and the domain gauges the API's /metrics reads at
// scrape time. All from the read model, never by scanning Temporal. The tasks counted are
// task-period.ts's; the statement that counts them is timeliness-statement.ts.
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { TaskPeriod } from './task-period.js';
import { timelinessStatement } from './timeliness-statement.js';

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
