import { WorkingCalendar } from '../workflows/domain/working-days.js';

/** Where activities get the working-day calendar from. */
export interface CalendarSource {
  current(): Promise<WorkingCalendar>;
}

/**
 * Weekends only, no published schedule: every deadline is provisional. Holidays and make-up
 * workdays come from the calendar tables (issue #4) through another CalendarSource.
 */
export function weekendsOnlyCalendar(): CalendarSource {
  const calendar = new WorkingCalendar({ publishedYears: [], exceptions: [] });
  return { current: async () => calendar };
}
