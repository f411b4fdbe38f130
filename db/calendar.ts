// Calendar storage: imports of official schedules, and loading what the arithmetic needs.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { calendarDays, calendarImports, calendarYears, regionCalendarDays } from './schema/index.js';
import { expandYear, exceptionsOf, type ImportedDay } from '../workflows/domain/calendar-import.js';
import { isWeekdayPatternWorking, type CalendarData, type CalendarException } from '../workflows/domain/working-days.js';

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

/** The national schedule, every region's own days, and the version (latest import) they are of. */
export interface CalendarTables extends CalendarData {
  version: number;
  regional: Map<string, CalendarException[]>;
}

export async function loadCalendarData(db: Db): Promise<CalendarTables> {
  const [years, days, own, version] = await Promise.all([
    db.select({ year: calendarYears.year }).from(calendarYears),
    db.select({ date: calendarDays.date, kind: calendarDays.kind, holidayName: calendarDays.holidayName }).from(calendarDays).where(inArray(calendarDays.kind, ['holiday', 'makeup-workday'])),
    db.select({ regionCode: regionCalendarDays.regionCode, date: regionCalendarDays.date, kind: regionCalendarDays.kind, holidayName: regionCalendarDays.holidayName }).from(regionCalendarDays),
    calendarVersion(db),
  ]);
  const regional = new Map<string, CalendarException[]>();
  for (const d of own) regional.set(d.regionCode, [...(regional.get(d.regionCode) ?? []), ...exceptionsOf([d])]);
  return { publishedYears: years.map((y) => y.year), exceptions: exceptionsOf(days), regional, version };
}

/** A region's calendar data: the national days with the region's own over them (a region's day wins). */
export function regionData(t: CalendarTables, regionCode: string | null): CalendarData {
  const own = regionCode ? t.regional.get(regionCode) : undefined;
  if (!own?.length) return { publishedYears: t.publishedYears, exceptions: t.exceptions };
  const byDate = new Map(t.exceptions.map((e) => [e.date, e]));
  for (const e of own) byDate.set(e.date, e);
  return { publishedYears: t.publishedYears, exceptions: [...byDate.values()] };
}

/**
 * Stores a region's own days of a year (replacing the ones it had) in one transaction, with a
 * calendar_imports row for the region naming the dates whose working status changed there:
 * only that region's running deadlines are re-timed.
 */
export async function importRegionDays(db: Db, input: { regionCode: string; year: number; notice: string; days: ImportedDay[]; by: string }): Promise<ImportResult> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('calendar-import'))`);
    const old = await tx.select({ date: regionCalendarDays.date, kind: regionCalendarDays.kind }).from(regionCalendarDays).where(and(eq(regionCalendarDays.regionCode, input.regionCode), eq(regionCalendarDays.year, input.year)));
    const dates = [...new Set([...old.map((d) => d.date), ...input.days.map((d) => d.date)])];
    const national = new Map((dates.length ? await tx.select({ date: calendarDays.date, working: calendarDays.working }).from(calendarDays).where(inArray(calendarDays.date, dates)) : []).map((r) => [r.date, r.working]));
    const working = (own: Map<string, string>, date: string) => (own.has(date) ? own.get(date) === 'makeup-workday' : (national.get(date) ?? isWeekdayPatternWorking(date)));
    const [before, after] = [new Map(old.map((d) => [d.date, d.kind])), new Map(input.days.map((d) => [d.date, d.kind]))];
    const changedDates = dates.filter((d) => working(before, d) !== working(after, d)).sort();
    const [row] = await tx
      .insert(calendarImports)
      .values({ year: input.year, regionCode: input.regionCode, sourceNotice: input.notice, changedDates, newlyPublished: false, importedBy: input.by })
      .returning({ id: calendarImports.id, at: calendarImports.importedAt });
    await tx.delete(regionCalendarDays).where(and(eq(regionCalendarDays.regionCode, input.regionCode), eq(regionCalendarDays.year, input.year)));
    if (input.days.length > 0) {
      const rows = input.days.map((d) => ({ regionCode: input.regionCode, date: d.date, year: input.year, kind: d.kind, holidayName: d.name ?? null, sourceNotice: input.notice, importId: row!.id, importedAt: row!.at }));
      await tx.insert(regionCalendarDays).values(rows);
    }
    return { importId: row!.id, changedDates, newlyPublished: false };
  });
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
