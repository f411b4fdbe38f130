// The claim window (认领, 3 working days) on the time-skipping server: claimed in time, the
// window expiring into overdue + escalation at its exact deadline, and a second claim refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { eq, like } from 'drizzle-orm';
import { approvalCase } from '../../workflows/approvalCase.js';
import { caseStateQuery, claimUpdate, decideUpdate, feedbackUpdate, inspectionUpdate, taskId, taskStateQuery, FailureType } from '../../workflows/contracts.js';
import { notifications, smsGatewayMessages, tasks } from '../../db/schema/index.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { approver, createTimeSkippingEnv, keepHistory, caseInput, closeDatabase, createTestWorker, database, foodDivision, testDeps, uniqueId, DEMO } from '../helpers.js';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});

afterAll(async () => {
  await env?.teardown();
  await closeDatabase();
});

/** Starts a case, approves it, and returns the handle of its one supervision task. */
async function approvedCase(taskQueue: string) {
  const input = caseInput();
  const handle = await env.client.workflow.start(approvalCase, { workflowId: `case-${input.applicationNo}`, taskQueue, args: [input] });
  await waitFor(async () => (await handle.query(caseStateQuery)).stage === 'awaiting-decision');
  await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '材料齐全，准予许可', actor: approver }] });
  const id = taskId(input.applicationNo, DEMO.market);
  await waitFor(async () => (await database().db.select().from(tasks).where(eq(tasks.taskId, id))).length === 1 && (await notifications_for(id)) === 1);
  return { input, caseHandle: handle, task: env.client.workflow.getHandle(id), taskId: id };
}

async function notifications_for(id: string) {
  return (await database().db.select().from(notifications).where(like(notifications.businessKey, `${id}:%`))).length;
}

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 20_000) {
  const start = Date.now();
  for (;;) {
    try {
      if (await predicate()) return;
    } catch {
      // the workflow may not have started its first task yet
    }
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('claim window', () => {
  it('a task claimed within 3 working days runs on to a closed case', async () => {
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database()));
    await worker.runUntil(async () => {
      const { caseHandle, task, taskId: id } = await approvedCase(taskQueue);
      const claimed = await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      expect(claimed.status).toBe('claimed');
      expect(claimed.claimOverdue).toBe(false);
      const finishedAt = new Date(await env.currentTimeMs()).toISOString();
      const inspected = await task.executeUpdate(inspectionUpdate, { args: [{ actor: foodDivision, finishedAt, findings: '现场检查符合要求' }] });
      expect(inspected.feedbackDueAt).toBeDefined();
      await task.executeUpdate(feedbackUpdate, { args: [{ actor: foodDivision, result: 'compliant', note: '' }] });
      const result = await caseHandle.result();
      expect(result.outcome).toBe('closed');
      await keepHistory('approvalCase-standard-closed', caseHandle);
      await keepHistory('supervisionTask-claimed-compliant', task);
      const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, id));
      expect(row).toMatchObject({ status: 'closed', claimOverdue: false, result: 'compliant', claimedBy: foodDivision.sub });
      // Exactly one SMS in effect, at our outbox and at the gateway.
      expect(await notifications_for(id)).toBe(1);
      const gateway = await database().db.select().from(smsGatewayMessages).where(eq(smsGatewayMessages.outId, `${id}:claim-notice`));
      expect(gateway).toHaveLength(1);
    });
  });

  it('an unclaimed task turns overdue and escalates exactly at 24:00 of the 3rd working day', async () => {
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database()));
    await worker.runUntil(async () => {
      const { task, taskId: id } = await approvedCase(taskQueue);
      const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, id));
      // The stored deadline is the legal one for the push time.
      const expected = new WorkingCalendar({ publishedYears: [], exceptions: [] }).deadline(row!.pushedAt, 3);
      expect(row!.claimDueAt.toISOString()).toBe(expected.dueAt.toISOString());

      // One minute before the deadline: still only awaiting claim.
      const now = await env.currentTimeMs();
      await env.sleep(row!.claimDueAt.getTime() - now - 60_000);
      expect((await task.query(taskStateQuery)).claimOverdue).toBe(false);
      expect(await notifications_for(id)).toBe(1);

      // Two minutes later: overdue, and the escalation SMS went to the department head.
      await env.sleep(120_000);
      await waitFor(async () => (await notifications_for(id)) === 2);
      expect((await task.query(taskStateQuery)).claimOverdue).toBe(true);
      const [after] = await database().db.select().from(tasks).where(eq(tasks.taskId, id));
      expect(after!.claimOverdue).toBe(true);
      expect(after!.escalatedAt).not.toBeNull();
      const [escalation] = await database().db.select().from(notifications).where(eq(notifications.businessKey, `${id}:claim-escalation`));
      expect(escalation).toMatchObject({ recipientPhone: '13900000002', status: 'sent' });

      // A late claim is still accepted, and recorded as late.
      const claimed = await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      expect(claimed.status).toBe('claimed');
      await keepHistory('supervisionTask-claim-overdue-late-claim', task);
    });
  });

  it('a second claim is refused with InvalidState, and another division cannot claim', async () => {
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database()));
    await worker.runUntil(async () => {
      const { task } = await approvedCase(taskQueue);
      const stranger = { ...foodDivision, sub: 'supervision:other', division: 'LYG-SJJ-TZSB' };
      const forbidden = await task.executeUpdate(claimUpdate, { args: [{ actor: stranger }] }).catch((e: unknown) => e);
      expect(forbidden).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((forbidden as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(FailureType.Forbidden);

      await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      const again = await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (again as WorkflowUpdateFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(FailureType.InvalidState);
      expect((cause as ApplicationFailure).message).toMatch(/already claimed/);
    });
  });
});
