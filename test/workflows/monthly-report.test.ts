// The monthly 通报's schedule: the daily `monthlyReports` run (what the Temporal Schedule starts
// at 09:00 Asia/Shanghai) produces each region's report of the month before on the first working
// day of the month — by the working-day calendar, so after the National Day holidays it is
// 8 October — not before; a second run that day, or any later one, makes no second report and
// sends no second notice, and a first working day the schedule missed is made up the next day.
// The worker's clock is set per simulated day.
import { describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { monthlyReportWorkflowId } from '../../workflows/contracts.js';
import type { monthlyReport, monthlyReports } from '../../workflows/monthlyReport.js';
import { monthlyReports as reportsTable, notifications, smsGatewayMessages } from '../../db/schema/index.js';
import { createTestWorker, database, keepHistory, testDeps, uniqueId, useTimeSkippingEnv } from '../helpers.js';
import { expectedNovember, seedReportRegion } from '../reports/fixture.js';

const env = useTimeSkippingEnv();

/** Runs the daily check once for each Shanghai day, at 09:00, with the worker's clock on that day. */
async function runDays(days: string[], regions: string[]) {
  const taskQueue = uniqueId('report-tq');
  let now = new Date();
  const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { clock: () => now }));
  const runs: Array<Awaited<ReturnType<typeof monthlyReports>> & { workflowId: string }> = [];
  await worker.runUntil(async () => {
    for (const day of days) {
      now = new Date(`${day}T09:00:00+08:00`);
      const workflowId = uniqueId(`monthly-reports-${day}`);
      const r = await env.client.workflow.execute<typeof monthlyReports>('monthlyReports', { workflowId, taskQueue, args: [{ regions }] });
      runs.push({ ...r, workflowId });
      // Each report started finishes (on this day's clock) before the next day's run.
      for (const region of r.started) await env.client.workflow.getHandle<typeof monthlyReport>(monthlyReportWorkflowId(region, r.month)).result();
    }
  });
  return runs;
}

const reportsOf = (regions: string[]) => database().db.select().from(reportsTable).where(inArray(reportsTable.regionCode, regions));
const noticesOf = (region: string, month: string) => database().db.select().from(notifications).where(eq(notifications.businessKey, `report:${region}:${month}:coordinating-office`));

describe('the monthly 通报 on its schedule', () => {
  it('is produced on the first working day of the month, once per region, and the coordinating office told once', async () => {
    const [a, b] = [await seedReportRegion(), await seedReportRegion()];
    const regions = [a.region, b.region];
    // Fri 28 Nov 2025 … Wed 3 Dec 2025, with 1 December (a Monday) run twice.
    const runs = await runDays(['2025-11-28', '2025-11-29', '2025-11-30', '2025-12-01', '2025-12-01', '2025-12-02', '2025-12-03'], regions);
    const both = [...regions].sort();
    // 28 November: October's report was never kept, so it is made up now; 1 December: November's.
    expect(runs.map((x) => [x.today, x.month, x.started, x.alreadyStarted])).toEqual([
      ['2025-11-28', '2025-10', both, []],
      ['2025-11-29', '2025-10', [], []],
      ['2025-11-30', '2025-10', [], []],
      ['2025-12-01', '2025-11', both, []],
      ['2025-12-01', '2025-11', [], []], // kept already: nothing is due
      ['2025-12-02', '2025-11', [], []],
      ['2025-12-03', '2025-11', [], []],
    ]);
    expect(runs[3]!.month).toBe('2025-11');
    const all = await reportsOf(regions);
    expect(all.map((k) => [k.regionCode, k.month]).sort()).toEqual(both.flatMap((r) => [[r, '2025-10'], [r, '2025-11']]));
    const kept = all.filter((k) => k.month === '2025-11');
    for (const k of kept) {
      expect(k.producedAt.toISOString()).toBe('2025-12-01T01:00:00.000Z');
      expect(k.notifiedAt).not.toBeNull();
      const r = k.regionCode === a.region ? a : b;
      // As of 1 December: the December task is not overdue yet.
      expect(k.report).toMatchObject({ ...expectedNovember(r), asOf: '2025-12-01T01:00:00.000Z', overdueTotal: 4 });
      expect((await noticesOf(k.regionCode, '2025-10')).length).toBe(1);
      const notices = await noticesOf(k.regionCode, '2025-11');
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ status: 'sent', recipientPhone: '13800000104', recipientName: '政务办主任', template: 'monthly-report' });
      expect(notices[0]!.body).toContain('报表测试市2025年11月审管联动运行情况通报已生成：接收监管任务7件，按时认领率57.1%，当前超期未办结4项');
      expect(await database().db.select().from(smsGatewayMessages).where(eq(smsGatewayMessages.outId, notices[0]!.businessKey))).toHaveLength(1);
    }
    await keepHistory('monthlyReport/produced-and-announced', env.client.workflow.getHandle(monthlyReportWorkflowId(a.region, '2025-11')));
    await keepHistory('monthlyReports/first-working-day', env.client.workflow.getHandle(runs[3]!.workflowId));
    await keepHistory('monthlyReports/kept-already', env.client.workflow.getHandle(runs[4]!.workflowId));
    await keepHistory('monthlyReports/not-due', env.client.workflow.getHandle(runs[1]!.workflowId));
  });

  it('after the National Day holidays, on 8 October: the first working day of October 2026', async () => {
    const r = await seedReportRegion();
    const days = ['2026-09-30', '2026-10-01', '2026-10-02', '2026-10-05', '2026-10-07', '2026-10-08', '2026-10-09', '2026-10-10'];
    const runs = await runDays(days, [r.region]);
    // 30 September makes up August's (never kept); September's waits for 8 October.
    expect(runs.map((x) => [x.today, x.month, x.started])).toEqual(days.map((d) => [d, d < '2026-10' ? '2026-08' : '2026-09', d === '2026-09-30' || d === '2026-10-08' ? [r.region] : []]));
    const kept = await database().db.select().from(reportsTable).where(and(eq(reportsTable.regionCode, r.region)));
    expect(kept.map((k) => [k.month, k.producedAt.toISOString()]).sort()).toEqual([
      ['2026-08', '2026-09-30T01:00:00.000Z'],
      ['2026-09', '2026-10-08T01:00:00.000Z'],
    ]);
    expect(await noticesOf(r.region, '2026-09')).toHaveLength(1);
  });

  it('a first working day the schedule missed is made up by the next day’s run', async () => {
    const r = await seedReportRegion();
    // Mon 1 Dec 2025 never ran (the worker was down past the catch-up window).
    const runs = await runDays(['2025-11-28', '2025-12-02', '2025-12-03'], [r.region]);
    expect(runs.map((x) => [x.today, x.month, x.started])).toEqual([
      ['2025-11-28', '2025-10', [r.region]],
      ['2025-12-02', '2025-11', [r.region]],
      ['2025-12-03', '2025-11', []],
    ]);
    const kept = await database().db.select().from(reportsTable).where(eq(reportsTable.regionCode, r.region));
    expect(kept.map((k) => [k.month, k.producedAt.toISOString()]).sort()).toEqual([
      ['2025-10', '2025-11-28T01:00:00.000Z'],
      ['2025-11', '2025-12-02T01:00:00.000Z'],
    ]);
    expect(await noticesOf(r.region, '2025-11')).toHaveLength(1);
  });
});
