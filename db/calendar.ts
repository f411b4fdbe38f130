// Calendar storage: imports of official schedules, and loading what the arithmetic needs.
import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { calendarDays, calendarImports, calendarYears } from './schema/index.js';
import { expandYear, exceptionsOf, type ImportedDay } from '../workflows/domain/calendar-import.js';
import { isWeekdayPatternWorking, type CalendarData } from '../workflows/domain/working-days.js';

export interface ImportResult {
  importId: number;
  changedDates: string[];
  newlyPublished: boolean;
}

/**
 * Stores a year's schedule in one transaction: every date of the year, plus the listed dates of
 * the previous December, and a calendar_imports row naming the dates whose working status
 * changed, so running deadlines that touch them can be re-timed.
 */
export async function importCalendar(db: Db, input: { year: number; notice: string; days: ImportedDay[]; by: string }): Promise<ImportResult> {
  const expanded = expandYear(input.year, input.days);
  return db.transaction(async (tx) => {
    // Serialise imports: two at once would each diff against the old state.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('calendar-import'))`);
    const dates = expanded.map((d) => d.date);
    const before = new Map((await tx.select({ date: calendarDays.date, working: calendarDays.working }).from(calendarDays).where(inArray(calendarDays.date, dates))).map((r) => [r.date, r.working]));
    const changedDates = expanded
      .filter((d) => {
        const old = before.get(d.date);
        // A date never loaded counted by the weekday pattern: changed only if the notice flips it.
        const oldWorking = old ?? isWeekdayPatternWorking(d.date);
        return oldWorking !== d.working;
      })
      .map((d) => d.date);
    const [published] = await tx.select().from(calendarYears).where(eq(calendarYears.year, input.year));
    const now = new Date();
    for (let i = 0; i < expanded.length; i += 500) {
      const chunk = expanded.slice(i, i + 500).map((d) => ({ ...d, sourceNotice: input.notice, importedAt: now }));
      await tx
        .insert(calendarDays)
        .values(chunk)
        .onConflictDoUpdate({
          target: calendarDays.date,
          set: { working: sql`excluded.working`, kind: sql`excluded.kind`, holidayName: sql`excluded.holiday_name`, sourceNotice: sql`excluded.source_notice`, importedAt: sql`excluded.imported_at`, year: sql`excluded.year` },
        });
    }
    await tx
      .insert(calendarYears)
      .values({ year: input.year, sourceNotice: input.notice, importedAt: now, importedBy: input.by })
      .onConflictDoUpdate({ target: calendarYears.year, set: { sourceNotice: input.notice, importedAt: now, importedBy: input.by } });
    const [row] = await tx
      .insert(calendarImports)
      .values({ year: input.year, sourceNotice: input.notice, changedDates, newlyPublished: !published, importedBy: input.by, importedAt: now })
      .returning({ id: calendarImports.id });
    return { importId: row!.id, changedDates, newlyPublished: !published };
  });
}

export async function loadCalendarData(db: Db): Promise<CalendarData & { version: number }> {
  const [years, days, version] = await Promise.all([
    db.select({ year: calendarYears.year }).from(calendarYears),
    db.select({ date: calendarDays.date, kind: calendarDays.kind, holidayName: calendarDays.holidayName }).from(calendarDays).where(inArray(calendarDays.kind, ['holiday', 'makeup-workday'])),
    calendarVersion(db),
  ]);
  return { publishedYears: years.map((y) => y.year), exceptions: exceptionsOf(days), version };
}

/**
 * The calendar version (the latest import's id, 0 before any) as a column expression, for a
 * statement an activity makes anyway: the version check then costs no statement of its own.
 */
export const calendarVersionColumn = sql<number>`(select coalesce(max(${calendarImports.id}), 0) from ${calendarImports})`.mapWith(Number);

/** The calendar version on its own (one statement), where no other statement can carry it. */
export async function calendarVersion(db: Db): Promise<number> {
  const [row] = await db.execute<{ version: number }>(sql`select ${calendarVersionColumn} as version`);
  return Number(row!.version);
}
