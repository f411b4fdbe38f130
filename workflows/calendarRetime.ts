// calendarRetime: one per calendar import (id calendar-import-<importId>). Durable, so a crash
// of the API after the import still gets every running deadline re-timed. Its one activity
// goes by pages and heartbeats each with its cursor: a retry resumes where the last attempt was.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { CalendarRetimeInput } from './contracts.js';

const { retimeAfterCalendarImport } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function calendarRetime(input: CalendarRetimeInput): Promise<{ tasksSignalled: number; casesRetimed: number; casesSignalled: number; noticesSignalled: number; complaintsSignalled: number }> {
  setCurrentDetails(`re-timing running deadlines after the ${input.year} calendar import #${input.importId}`);
  const r = await retimeAfterCalendarImport({ importId: input.importId });
  setCurrentDetails(`done: ${r.tasksSignalled} task(s), ${r.casesSignalled} case(s), ${r.noticesSignalled} notice(s) and ${r.complaintsSignalled} complaint(s) signalled, ${r.casesRetimed} decision deadline(s) re-timed`);
  return r;
}
