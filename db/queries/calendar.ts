// The working-day calendar as the API reads it: a year's schedule, and the imports whose
// re-timing of running deadlines has not been started or finished yet.
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client.js';
import { calendarDays, calendarImports, calendarYears, regionCalendarDays } from '../schema/index.js';

export interface CalendarDayRow {
  date: string;
  working: boolean;
  kind: string;
  holidayName: string | null;
}

/** A year: its import (absent before any) and its days; the weekday pattern when none are stored. */
export async function calendarYear(db: Db, year: number): Promise<{ meta: typeof calendarYears.$inferSelect | undefined; days: CalendarDayRow[] }> {
  const [[meta], rows] = await Promise.all([
    db.select().from(calendarYears).where(eq(calendarYears.year, year)),
    db.select().from(calendarDays).where(eq(calendarDays.year, year)).orderBy(asc(calendarDays.date)),
  ]);
  return { meta, days: rows.length > 0 ? rows : weekdayPattern(year) };
}

function weekdayPattern(year: number): CalendarDayRow[] {
  const out: CalendarDayRow[] = [];
  for (let t = Date.UTC(year, 0, 1); t <= Date.UTC(year, 11, 31); t += 86_400_000) {
    const d = new Date(t);
    const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
    out.push({ date: d.toISOString().slice(0, 10), working: !weekend, kind: weekend ? 'weekend' : 'workday', holidayName: null });
  }
  return out;
}

/** A region's own days of a year, by date. */
export function regionDays(db: Db, regionCode: string, year: number) {
  return db.select().from(regionCalendarDays).where(and(eq(regionCalendarDays.regionCode, regionCode), eq(regionCalendarDays.year, year))).orderBy(asc(regionCalendarDays.date));
}

/** The imports whose re-timing has not finished, oldest first. */
export function unretimedImports(db: Db): Promise<Array<{ id: number; year: number }>> {
  return db.select({ id: calendarImports.id, year: calendarImports.year }).from(calendarImports).where(isNull(calendarImports.retimedAt)).orderBy(asc(calendarImports.id));
}
