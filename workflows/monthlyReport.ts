// The monthly 通报 (seed 003 §21), produced by the workflows themselves on the first working day
// of each month. A Temporal Schedule starts `monthlyReports` every day at 09:00 Asia/Shanghai
// (api/report/schedule.ts); an activity asks the working-day calendar whether the first working
// day of the month has come in each region and its report is not kept yet (the clock and the
// calendar are activities' to read, never the workflow's), and each region due gets one `monthlyReport` child, whose id is the
// region and the month: a second firing the same day, a retry or a restarted schedule starts no
// second one (REJECT_DUPLICATE), and the kept report's (region, month) key stands behind it.
import { log, proxyActivities, setCurrentDetails, startChild, ParentClosePolicy } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { monthlyReportWorkflowId, type MonthlyReportInput, type MonthlyReportsInput } from './contracts.js';
import { ACTIVITY_START_TO_CLOSE_MS } from './domain/limits.js';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: ACTIVITY_START_TO_CLOSE_MS,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

export async function monthlyReports(input: MonthlyReportsInput = {}): Promise<{ today: string; month: string; started: string[]; alreadyStarted: string[] }> {
  const { today, month, due } = await acts.reportsDueToday(input);
  setCurrentDetails(due.length ? `${today}: the ${month} 通报 of ${due.length} region(s)` : `${today}: not the first working day of the month anywhere`);
  const started: string[] = [];
  const alreadyStarted: string[] = [];
  for (const regionCode of due) {
    try {
      // Abandoned: the report finishes even if this day's run is closed or terminated.
      await startChild(monthlyReport, { workflowId: monthlyReportWorkflowId(regionCode, month), args: [{ regionCode, month }], workflowIdReusePolicy: 'REJECT_DUPLICATE', parentClosePolicy: ParentClosePolicy.ABANDON, staticSummary: `the ${month} 通报 of ${regionCode}` });
      started.push(regionCode);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      alreadyStarted.push(regionCode);
    }
  }
  if (alreadyStarted.length) log.info('monthly reports already produced or under way', { month, regions: alreadyStarted });
  return { today, month, started, alreadyStarted };
}

export async function monthlyReport(input: MonthlyReportInput): Promise<{ reportId: number; sha256: string; notified: 'sent' | 'delivered' | 'failed' }> {
  setCurrentDetails(`producing the ${input.month} 通报 of ${input.regionCode}`);
  const kept = await acts.produceMonthlyReport(input);
  setCurrentDetails(`kept as report #${kept.reportId} (sha-256 ${kept.sha256.slice(0, 12)}…); telling the coordinating office`);
  const told = await acts.notifyMonthlyReport(input);
  setCurrentDetails(`${input.month} 通报 of ${input.regionCode}: kept #${kept.reportId}, coordinating office ${told.status}`);
  return { reportId: kept.reportId, sha256: kept.sha256, notified: told.status };
}
