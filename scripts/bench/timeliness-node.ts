// The timeliness statistics as they were computed before they moved into SQL (db/queries/stats.ts
// as of 8c4cf5c): the period's rows loaded into Node, counted, and the claim's working time walked
// day by day under the calendar. Kept as the baseline of bench:read-model and as the oracle of
// test/api/stats-sql.test.ts — the SQL must give exactly these figures.
import { asc } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { loadCalendarData, regionData } from '../../db/calendar.js';
import type { TimelinessRow } from '../../db/queries/stats.js';
import { tasks } from '../../db/schema/index.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { workingMillisBetween } from '../../workflows/domain/working-time.js';
import type { SQL } from 'drizzle-orm';

type TimedTask = Pick<typeof tasks.$inferSelect, 'departmentCode' | 'divisionCode' | 'regionCode' | 'pushedAt' | 'claimDueAt' | 'claimedAt' | 'feedbackDueAt' | 'feedbackAt'>;

/** The rows per department and division in the order given (sorted by the two here, as the SQL orders them). */
export function timelinessOf(rows: Array<Omit<TimedTask, 'claimedAt' | 'feedbackDueAt' | 'feedbackAt'> & Partial<TimedTask>>, now: Date, calendarOf: (region: string) => WorkingCalendar): TimelinessRow[] {
  const groups = new Map<string, TimelinessRow & { durations: number[] }>();
  const sorted = [...rows].sort((a, b) => (a.departmentCode < b.departmentCode ? -1 : a.departmentCode > b.departmentCode ? 1 : a.divisionCode < b.divisionCode ? -1 : a.divisionCode > b.divisionCode ? 1 : 0));
  for (const t of sorted) {
    const key = `${t.departmentCode}\u0000${t.divisionCode}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { departmentCode: t.departmentCode, divisionCode: t.divisionCode, received: 0, claimedOnTime: 0, claimedLate: 0, unclaimedPastDeadline: 0, unclaimedOpen: 0, medianClaimWorkingHours: null, feedbackOnTime: 0, feedbackLate: 0, feedbackOverdue: 0, durations: [] }));
    g.received++;
    if (t.claimedAt) {
      if (t.claimedAt <= t.claimDueAt) g.claimedOnTime++;
      else g.claimedLate++;
      g.durations.push(workingMillisBetween(calendarOf(t.regionCode), t.pushedAt, t.claimedAt) / 3_600_000);
    } else if (t.claimDueAt < now) g.unclaimedPastDeadline++;
    else g.unclaimedOpen++;
    if (t.feedbackDueAt) {
      if (t.feedbackAt) {
        if (t.feedbackAt <= t.feedbackDueAt) g.feedbackOnTime++;
        else g.feedbackLate++;
      } else if (t.feedbackDueAt < now) g.feedbackOverdue++;
    }
  }
  return [...groups.values()].map(({ durations, ...g }) => {
    const v = [...durations].sort((a, b) => a - b);
    const mid = v.length >> 1;
    const m = v.length === 0 ? null : v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
    return { ...g, medianClaimWorkingHours: m === null ? null : Math.round(m * 100) / 100 };
  });
}

/** The whole old path: the rows of `where` loaded, then counted in Node under each task's region calendar. */
export async function timelinessInNode(db: Db, where: SQL, now: Date): Promise<TimelinessRow[]> {
  const rows = await db
    .select({ departmentCode: tasks.departmentCode, divisionCode: tasks.divisionCode, regionCode: tasks.regionCode, pushedAt: tasks.pushedAt, claimDueAt: tasks.claimDueAt, claimedAt: tasks.claimedAt, feedbackDueAt: tasks.feedbackDueAt, feedbackAt: tasks.feedbackAt })
    .from(tasks)
    .where(where)
    .orderBy(asc(tasks.departmentCode), asc(tasks.divisionCode));
  const tables = await loadCalendarData(db);
  const calendars = new Map<string, WorkingCalendar>();
  const calendarOf = (region: string) => calendars.get(region) ?? calendars.set(region, new WorkingCalendar(regionData(tables, region))).get(region)!;
  return timelinessOf(rows, now, calendarOf);
}
