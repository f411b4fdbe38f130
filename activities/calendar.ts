import type { Db } from '../db/client.js';
import { calendarVersion, loadCalendarData, regionData, type CalendarTables } from '../db/calendar.js';
import { WorkingCalendar } from '../workflows/domain/working-days.js';

/** Where activities get the working-day calendar from. */
export interface CalendarSource {
  /**
   * The calendar of a region (the national schedule with the region's own days over it; null:
   * the national one) as of the latest import. `version`: that import's id as the caller just
   * read it in a statement of its own (`calendarVersionColumn`), which spares the lookup here.
   */
  current(regionCode: string | null, version?: number): Promise<WorkingCalendar>;
}

type Loaded = { version: number; tables: CalendarTables; byRegion: Map<string, WorkingCalendar> };

/**
 * The calendar in PostgreSQL, cached per process and reloaded when a new import has landed
 * (one indexed lookup per use, or none when the caller read the version with its own
 * statement), so every worker sees an imported schedule at once. Each region's calendar is
 * built once per version.
 */
export function databaseCalendar(db: Db): CalendarSource {
  let cached: Loaded | undefined;
  let loading: Promise<Loaded> | undefined;
  return {
    async current(regionCode: string | null, known?: number) {
      const version = known ?? (await calendarVersion(db));
      if (cached?.version !== version) {
        loading ??= loadCalendarData(db).then((tables) => ({ version: tables.version, tables, byRegion: new Map() }));
        try {
          cached = await loading;
        } finally {
          loading = undefined;
        }
      }
      const c = cached;
      // Regions without days of their own share the national calendar.
      const key = regionCode && c.tables.regional.has(regionCode) ? regionCode : '';
      let calendar = c.byRegion.get(key);
      if (!calendar) c.byRegion.set(key, (calendar = new WorkingCalendar(regionData(c.tables, key || null))));
      return calendar;
    },
  };
}
