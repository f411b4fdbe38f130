// The Temporal Schedule behind the monthly 通报: every day at 09:00 Asia/Shanghai it starts
// `monthlyReports`, which asks the working-day calendar whether today is the first working day
// of the month and, where it is, produces each region's report of the month before
// (workflows/monthlyReport.ts). Daily rather than "the 1st": the first working day moves with
// holidays and make-up days, and the calendar is data, not a rule a cron line could hold.
// Created once, at API start (server.ts), like the re-timing of earlier imports: an existing
// schedule is left as it is (an operator may have paused it in the UI).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { monthlyReports } from '../../workflows/monthlyReport.js';
import { MONTHLY_REPORT_SCHEDULE_ID, PUBLICATION_SCHEDULE_ID } from '../../workflows/contracts.js';

export async function ensureReportSchedule(client: Client, taskQueue: string, scheduleId = MONTHLY_REPORT_SCHEDULE_ID): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId,
      spec: { calendars: [{ hour: 9, minute: 0, comment: '09:00 Asia/Shanghai, office hours' }], timezone: 'Asia/Shanghai' },
      action: { type: 'startWorkflow', workflowType: 'monthlyReports', args: [{}] satisfies Parameters<typeof monthlyReports>, taskQueue, workflowId: scheduleId, staticSummary: 'monthly 通报: is today the first working day of the month?' },
      // A day missed while the server was down is still run that day; never two at once.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { purpose: 'the monthly 通报 (issue #29, docs/reports.md)' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}

/** The daily publication of random-inspection results (一公开, docs/random-inspections.md), the same way. */
export async function ensurePublicationSchedule(client: Client, taskQueue: string, scheduleId = PUBLICATION_SCHEDULE_ID): Promise<'created' | 'exists'> {
  try {
    await client.schedule.create({
      scheduleId,
      spec: { calendars: [{ hour: 9, minute: 0, comment: '09:00 Asia/Shanghai, office hours' }], timezone: 'Asia/Shanghai' },
      action: { type: 'startWorkflow', workflowType: 'publishInspections', args: [], taskQueue, workflowId: scheduleId, staticSummary: '一公开: publish the recorded random-inspection results' },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { purpose: 'random-inspection publication (issue #27, docs/random-inspections.md)' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
