// A complaint's reply window (docs/complaints.md): reminded the working day before, marked
// overdue and escalated to the coordinating office at 24:00 of its last working day; a late
// reply still goes back to the hotline once, and the complaint closes with its task.
import { describe, expect, it } from 'vitest';
import { eq, like } from 'drizzle-orm';
import { complaints, hotlineReplies, notifications } from '../../db/schema/index.js';
import { claimUpdate, complaintWorkflowId, feedbackUpdate, inspectionUpdate, intakeUpdate, replyUpdate } from '../../workflows/contracts.js';
import type { complaintCase } from '../../workflows/complaintCase.js';
import { complaintInput } from '../complaint-fixture.js';
import { DEMO, createTestWorker, database, foodDivision, inspectionOpened, keepHistory, testDeps, uniqueId, useTimeSkippingEnv, waitFor } from '../helpers.js';

const env = useTimeSkippingEnv();

describe('complaint reply window', () => {
  it('is reminded, then overdue and escalated; the late reply is sent once and the complaint closes with its task', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database()));
    await worker.runUntil(async () => {
      const input = complaintInput();
      const no = input.complaintNo;
      const handle = await env.client.workflow.start<typeof complaintCase>('complaintCase', { workflowId: complaintWorkflowId(no), taskQueue, args: [input] });
      const state = await handle.executeUpdate(intakeUpdate, { args: [{ requestHash: 'h' }] });
      expect(state).toMatchObject({ status: 'assigned', departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, replyOverdue: false });
      const conflict = await handle.executeUpdate(intakeUpdate, { args: [{ requestHash: 'other' }] }).catch((e: unknown) => e);
      expect((conflict as { cause?: { type?: string } }).cause?.type).toBe('Conflict');

      // 5 working days and more: the reminder the working day before, then the escalation at the deadline.
      await env.sleep('10 days');
      await waitFor(async () => (await db.select().from(complaints).where(eq(complaints.complaintNo, no)))[0]?.replyOverdue === true);
      const sent = async () => (await db.select({ k: notifications.businessKey }).from(notifications).where(like(notifications.businessKey, `${no}:%`))).map((n) => n.k).sort();
      await waitFor(async () => (await sent()).length === 2);
      expect(await sent()).toEqual([`${no}:reply-escalation`, `${no}:reply-reminder:${state.replyDueAt}`]);

      const task = env.client.workflow.getHandle(state.taskId!);
      await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      await inspectionOpened(task, state.taskId!);
      const replied = await handle.executeUpdate(replyUpdate, { args: [{ actor: foodDivision, outcome: 'unsubstantiated', text: '经核查，该店卫生条件符合要求' }] });
      expect(replied.status).toBe('replied');
      const again = await handle.executeUpdate(replyUpdate, { args: [{ actor: foodDivision, outcome: 'substantiated', text: 'x' }] }).catch((e: unknown) => e);
      expect((again as { cause?: { type?: string } }).cause?.type).toBe('InvalidState');
      await waitFor(async () => (await db.select().from(hotlineReplies).where(eq(hotlineReplies.businessKey, `${no}:reply`))).length === 1);

      const finishedAt = new Date(await env.currentTimeMs()).toISOString();
      await task.executeUpdate(inspectionUpdate, { args: [{ actor: foodDivision, finishedAt, findings: '现场核查' }] });
      await task.executeUpdate(feedbackUpdate, { args: [{ actor: foodDivision, result: 'compliant', note: '' }] });
      expect(await handle.result()).toEqual({ complaintNo: no, taskOutcome: 'compliant' });
      const [row] = await db.select().from(complaints).where(eq(complaints.complaintNo, no));
      expect(row).toMatchObject({ status: 'closed', replyOverdue: true, replyOutcome: 'unsubstantiated', taskOutcome: 'compliant' });
      expect(row!.replySentAt).not.toBeNull();
      expect(await db.select().from(hotlineReplies).where(eq(hotlineReplies.businessKey, `${no}:reply`))).toHaveLength(1);
      await keepHistory('complaintCase/reply-overdue-escalated', handle);
      await keepHistory('supervisionTask/complaint-claimed-compliant', task);
    });
  });
});
