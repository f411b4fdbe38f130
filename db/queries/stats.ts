// Figures for people who watch the loop: claim and feedback timeliness per department and
// division (考核督查), and the domain gauges the API's /metrics reads at scrape time. All from
// the read model, never by scanning Temporal.
import { and, asc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { loadCalendarData } from '../calendar.js';
import { rehearsalRegions } from './catalog.js';
import { cases, notifications, tasks } from '../schema/index.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { workingMillisBetween } from '../../workflows/domain/working-time.js';

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

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

type TimedTask = Pick<typeof tasks.$inferSelect, 'departmentCode' | 'divisionCode' | 'pushedAt' | 'claimDueAt' | 'claimedAt' | 'feedbackDueAt' | 'feedbackAt'>;

/** Adds one task to its group's figures; `now` decides what is past its deadline. */
function count(g: TimelinessRow & { durations: number[] }, t: TimedTask, now: Date, calendar: WorkingCalendar) {
  g.received++;
  if (t.claimedAt) {
    if (t.claimedAt <= t.claimDueAt) g.claimedOnTime++;
    else g.claimedLate++;
    g.durations.push(workingMillisBetween(calendar, t.pushedAt, t.claimedAt) / 3_600_000);
  } else if (t.claimDueAt < now) g.unclaimedPastDeadline++;
  else g.unclaimedOpen++;
  if (t.feedbackDueAt) {
    if (t.feedbackAt) {
      if (t.feedbackAt <= t.feedbackDueAt) g.feedbackOnTime++;
      else g.feedbackLate++;
    } else if (t.feedbackDueAt < now) g.feedbackOverdue++;
  }
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
function periodTasks(f: TaskPeriod): SQL {
  // Live figures never count a rehearsal (培训演练); the rehearsal's are asked for apart.
  const where: SQL[] = [gte(tasks.pushedAt, f.start), lt(tasks.pushedAt, f.end), f.rehearsal ? sql`${tasks.regionCode} in ${rehearsalRegions}` : sql`${tasks.regionCode} not in ${rehearsalRegions}`];
  if (f.departmentCode) where.push(eq(tasks.departmentCode, f.departmentCode));
  if (f.departmentCodes) where.push(inArray(tasks.departmentCode, f.departmentCodes.length ? f.departmentCodes : ['-']));
  return and(...where)!;
}

const timedColumns = { departmentCode: tasks.departmentCode, divisionCode: tasks.divisionCode, pushedAt: tasks.pushedAt, claimDueAt: tasks.claimDueAt, claimedAt: tasks.claimedAt, feedbackDueAt: tasks.feedbackDueAt, feedbackAt: tasks.feedbackAt };

/** The timeliness rows of some tasks, per department and division in the order given. */
export function timelinessOf(rows: TimedTask[], now: Date, calendar: WorkingCalendar): TimelinessRow[] {
  const groups = new Map<string, TimelinessRow & { durations: number[] }>();
  for (const t of rows) {
    const key = `${t.departmentCode}\u0000${t.divisionCode}`;
    let g = groups.get(key);
    if (!g) {
      g = { departmentCode: t.departmentCode, divisionCode: t.divisionCode, received: 0, claimedOnTime: 0, claimedLate: 0, unclaimedPastDeadline: 0, unclaimedOpen: 0, medianClaimWorkingHours: null, feedbackOnTime: 0, feedbackLate: 0, feedbackOverdue: 0, durations: [] };
      groups.set(key, g);
    }
    count(g, t, now, calendar);
  }
  return [...groups.values()].map(({ durations, ...g }) => {
    const m = median(durations);
    return { ...g, medianClaimWorkingHours: m === null ? null : Math.round(m * 100) / 100 };
  });
}

/**
 * Timeliness of the tasks pushed in [start, end), per department and division, in their order.
 * `departmentCodes` limits it to those departments (a regional admin's region).
 */
export async function timeliness(db: Db, f: TaskPeriod, now: Date): Promise<TimelinessRow[]> {
  const rows = await db.select(timedColumns).from(tasks).where(periodTasks(f)).orderBy(asc(tasks.departmentCode), asc(tasks.divisionCode));
  return timelinessOf(rows, now, new WorkingCalendar(await loadCalendarData(db)));
}

/** The timeliness of the same selection, per calendar month (Asia/Shanghai, YYYY-MM) of the push. */
export async function timelinessByMonth(db: Db, f: TaskPeriod, now: Date): Promise<Map<string, TimelinessRow[]>> {
  const rows = await db.select(timedColumns).from(tasks).where(periodTasks(f)).orderBy(asc(tasks.departmentCode), asc(tasks.divisionCode));
  const calendar = new WorkingCalendar(await loadCalendarData(db));
  const byMonth = new Map<string, TimedTask[]>();
  for (const t of rows) {
    const month = new Date(t.pushedAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
    byMonth.set(month, [...(byMonth.get(month) ?? []), t]);
  }
  return new Map([...byMonth].map(([m, ts]) => [m, timelinessOf(ts, now, calendar)]));
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
