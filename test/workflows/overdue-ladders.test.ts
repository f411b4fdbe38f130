// Every wait has its ladder (DOMAIN.md §4): a missed feedback deadline climbs to the department
// head at the deadline and to the coordinating office the next working day at office hours,
// each step its own message once; feedback that comes in between stops the climb. On the
// time-skipping test server, so the working days pass in moments.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { notifications, tasks } from '../../db/schema/index.js';
import { claimUpdate, feedbackUpdate, inspectionUpdate } from '../../workflows/contracts.js';
import { urgeAfter } from '../../workflows/domain/deadlines.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { loadCalendarData, regionData } from '../../db/calendar.js';
import { approveNewCase, createTestWorker, database, foodDivision, keepHistory, sentFor, testDeps, uniqueId, useTimeSkippingEnv, waitFor } from '../helpers.js';

const env = useTimeSkippingEnv();

async function overdueFeedback(feedbackInBetween: boolean) {
  const { db } = database();
  const taskQueue = uniqueId('tq');
  const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
  await worker.runUntil(async () => {
    const { task, taskId, caseHandle, input } = await approveNewCase(env, taskQueue);
    await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
    await task.executeUpdate(inspectionUpdate, { args: [{ actor: foodDivision, finishedAt: new Date(await env.currentTimeMs()).toISOString(), findings: '检查完毕' }] });
    const row = async () => (await db.select().from(tasks).where(eq(tasks.taskId, taskId)))[0]!;
    await waitFor(async () => (await row()).feedbackDueAt !== null);
    const due = (await row()).feedbackDueAt!;
    const head = `${taskId}:feedback-escalation`;
    const office = `${head}:coordinating-office`;
    const climbAt = Date.parse(urgeAfter(new WorkingCalendar(regionData(await loadCalendarData(db), null)), (await row()).policy!, due));

    await env.sleep(due.getTime() - (await env.currentTimeMs()) + 60_000);
    await waitFor(async () => (await sentFor(input.applicationNo)).includes(head));
    const [toHead] = await db.select().from(notifications).where(eq(notifications.businessKey, head));
    expect(toHead).toMatchObject({ template: 'feedback-escalation', recipientPhone: '13900000002' });
    expect(await sentFor(input.applicationNo)).not.toContain(office);

    if (feedbackInBetween) await task.executeUpdate(feedbackUpdate, { args: [{ actor: foodDivision, result: 'compliant', note: '迟报' }] });
    await env.sleep(climbAt - (await env.currentTimeMs()) + 60_000);
    if (feedbackInBetween) {
      await task.result();
      expect(await sentFor(input.applicationNo)).not.toContain(office);
    } else {
      await waitFor(async () => (await sentFor(input.applicationNo)).includes(office));
      const [toOffice] = await db.select().from(notifications).where(eq(notifications.businessKey, office));
      expect(toOffice).toMatchObject({ template: 'feedback-escalation', recipientPhone: '13900000004' });
      await keepHistory('supervisionTask/feedback-overdue-escalated', task);
      await task.terminate('test done');
    }
    await caseHandle.terminate('test done').catch(() => undefined);
  });
}

describe('the inspection after the claim', () => {
  it('has a deadline from the claim (the policy\'s window), a reminder, and the ladder when it passes', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
    await worker.runUntil(async () => {
      const { task, taskId, caseHandle, input } = await approveNewCase(env, taskQueue);
      await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      const row = async () => (await db.select().from(tasks).where(eq(tasks.taskId, taskId)))[0]!;
      await waitFor(async () => (await row()).inspectionDueAt !== null);
      const { claimedAt, inspectionDueAt: due, policy } = await row();
      const calendar = new WorkingCalendar(regionData(await loadCalendarData(db), null));
      // The seed's standard policy: 10 working days from the claim.
      expect(policy!.inspectionWindow).toBe(10);
      expect(due!.toISOString()).toBe(calendar.deadline(claimedAt!, 10).dueAt.toISOString());
      await env.sleep(due!.getTime() - (await env.currentTimeMs()) + 60_000);
      const sent = await sentFor(input.applicationNo);
      expect(sent).toContain(`${taskId}:inspection-reminder:${due!.toISOString()}`);
      await waitFor(async () => (await sentFor(input.applicationNo)).includes(`${taskId}:inspection-escalation`));
      const climbAt = Date.parse(urgeAfter(calendar, policy!, due!));
      await env.sleep(climbAt - (await env.currentTimeMs()) + 60_000);
      await waitFor(async () => (await sentFor(input.applicationNo)).includes(`${taskId}:inspection-escalation:coordinating-office`));
      // Finished late, the task goes on to its feedback window.
      await task.executeUpdate(inspectionUpdate, { args: [{ actor: foodDivision, finishedAt: new Date(await env.currentTimeMs()).toISOString(), findings: '迟到的检查' }] });
      await waitFor(async () => (await row()).status === 'awaiting-feedback');
      await keepHistory('supervisionTask/inspection-overdue-escalated', task);
      await task.terminate('test done');
      await caseHandle.terminate('test done').catch(() => undefined);
    });
  });
});

describe('the ladder of a missed feedback deadline', () => {
  it('reaches the department head at the deadline and the coordinating office the next working day', () => overdueFeedback(false));
  it('stops climbing once the result comes in', () => overdueFeedback(true));
});
