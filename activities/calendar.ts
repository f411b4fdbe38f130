import type { Db } from '../db/client.js';
import { calendarVersion, loadCalendarData } from '../db/calendar.js';
import { WorkingCalendar } from '../workflows/domain/working-days.js';

/** Where activities get the working-day calendar from. */
export interface CalendarSource {
  /**
   * The calendar of the latest import. `version`: that import's id as the caller just read it
   * in a statement of its own (`calendarVersionColumn`), which spares the lookup here.
   */
  current(version?: number): Promise<WorkingCalendar>;
}

/**
 * The calendar in PostgreSQL, cached per process and reloaded when a new import has landed
 * (one indexed lookup per use, or none when the caller read the version with its own
 * statement), so every worker sees an imported schedule at once.
 */
export function databaseCalendar(db: Db): CalendarSource {
  let cached: { version: number; calendar: WorkingCalendar } | undefined;
  let loading: Promise<{ version: number; calendar: WorkingCalendar }> | undefined;
  return {
    async current(known?: number) {
      const version = known ?? (await calendarVersion(db));
      if (cached?.version === version) return cached.calendar;
      loading ??= loadCalendarData(db).then((data) => ({ version: data.version, calendar: new WorkingCalendar(data) }));
      try {
        cached = await loading;
      } finally {
        loading = undefined;
      }
      return cached.calendar;
    },
  };
}
