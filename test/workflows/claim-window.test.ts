// The claim window (认领, 3 working days) on the time-skipping server: claimed in time, the
// window expiring into overdue + escalation at its exact deadline, and a second claim refused.
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { eq, like } from 'drizzle-orm';
import { claimUpdate, decideUpdate, feedbackUpdate, inspectionUpdate, taskStateQuery, taskId as taskIdOf, FailureType } from '../../workflows/contracts.js';
import { auditEvents, notifications, smsGatewayMessages, tasks } from '../../db/schema/index.js';
import { createActivities, type Activities } from '../../activities/index.js';
import { WorkingCalendar, dayOf, shanghaiTimeOn } from '../../workflows/domain/working-days.js';
import { loadCalendarData } from '../../db/calendar.js';
import { DEMO, inspectionOpened, activityKinds, approveNewCase, approver, startCaseAwaitingDecision, notificationsFor as notifications_for, waitFor, useTimeSkippingEnv, keepHistory, createTestWorker, database, foodDivision, stageUpserts, testDeps, uniqueId } from '../helpers.js';

const env = useTimeSkippingEnv();

type Handle = Parameters<typeof stageUpserts>[0];
const markers = async (h: Handle, name: string) => ((await h.fetchHistory()).events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === name);
const patchMarkers = async (h: Handle) => (await markers(h, 'core_patch')).length;
const handlerRecords = ['recordClaim', 'recordInspection', 'recordFeedback'];

// Every case a test starts is ended after it: one left running would fire its timers on a task
// queue without a worker while a later test skips days ahead, and time skipping stalls there.
const running: Array<{ terminate(reason?: string): Promise<unknown> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.terminate('test done').catch(() => undefined)));
});
/** A worker whose activities are the real ones with some replaced (each test says why). */
async function workerWith(taskQueue: string, replace: (real: Activities) => Partial<Activities>) {
  const deps = testDeps(database());
  const real = createActivities(deps);
  return createTestWorker(env.nativeConnection, taskQueue, deps, { activities: { ...real, ...replace(real) } });
}
const approvedCase = async (taskQueue: string) => {
  const r = await approveNewCase(env, taskQueue);
  running.push(r.caseHandle, r.task);
  return r;
};

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
      // Stage search attributes only where the case and the task come to rest; the task starts
      // awaiting its claim, with the deadline the push opened (no upsert for it).
      expect(await stageUpserts(caseHandle)).toEqual(['awaiting-decision', 'supervising']);
      // (claimed twice when the inspection's deadline is set before the inspection is reported)
      expect((await stageUpserts(task)).filter((st, i, all) => st !== all[i - 1])).toEqual(['claimed', 'awaiting-feedback']);
      // One shape of each workflow: no patch markers.
      expect(await patchMarkers(caseHandle)).toBe(0);
      expect(await patchMarkers(task)).toBe(0);
      // What each update records runs as a local activity, inside the workflow task that
      // accepted the update (workflows/acts.ts `record`); the rest are activity tasks.
      const kinds = await activityKinds(task);
      expect(kinds.local).toEqual(handlerRecords);
      // openInspectionWindow: the inspection's deadline from the claim (the seed's policy has one).
      expect(kinds.tasks).toEqual(['openTask', 'notify', 'openInspectionWindow']);
      await keepHistory('approvalCase/standard-closed', caseHandle);
      await keepHistory('supervisionTask/claimed-compliant', task);
      const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, id));
      expect(row).toMatchObject({ status: 'closed', claimOverdue: false, result: 'compliant', claimedBy: foodDivision.sub });
      const started = (await task.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!.searchAttributes!.indexedFields!;
      const decode = (f: { data?: Uint8Array | null } | undefined) => JSON.parse(new TextDecoder().decode(f!.data!)) as unknown;
      expect(decode(started.SgStage)).toEqual('awaiting-claim'); // a typed Keyword: one string
      expect(new Date(decode(started.SgDueAt) as string).toISOString()).toBe(row!.claimDueAt.toISOString());
      // Exactly one SMS in effect, at our outbox and at the gateway.
      expect(await notifications_for(id)).toBe(1);
      const gateway = await database().db.select().from(smsGatewayMessages).where(eq(smsGatewayMessages.outId, `${id}:claim-notice`));
      expect(gateway).toHaveLength(1);
    });
  });

  it('a claim that arrives while the push is being recorded stands: the task is not moved back to awaiting its claim', async () => {
    const taskQueue = uniqueId('tq');
    // The push writes the task row (the inbox shows it), then its answer is held back until a
    // claim has been accepted: the claim arrives before the workflow knows its claim deadline.
    let written = false;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const worker = await workerWith(taskQueue, (real) => ({
      openTask: async (input) => {
        const r = await real.openTask(input);
        written = true;
        await released;
        return r;
      },
    }));
    await worker.runUntil(async () => {
      const { input, handle } = await startCaseAwaitingDecision(env, taskQueue);
      running.push(handle);
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '准予许可', actor: approver }] });
      const id = taskIdOf(input.applicationNo, DEMO.market);
      await waitFor(async () => written);
      const task = env.client.workflow.getHandle(id);
      running.push(task);
      const claim = await task.startUpdate(claimUpdate, { args: [{ actor: foodDivision }], waitForStage: WorkflowUpdateStage.ACCEPTED });
      release();
      const claimed = await claim.result();
      expect(claimed).toMatchObject({ status: 'claimed', claimOverdue: false });
      expect(claimed.claimDueAt).not.toBe('');
      // The task SMS still goes out; the task stays claimed, in the workflow, the read model and
      // its search attributes (no awaiting-claim after the claim).
      await waitFor(async () => (await notifications_for(id)) === 1);
      expect((await task.query(taskStateQuery)).status).toBe('claimed');
      const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, id));
      expect(row).toMatchObject({ status: 'claimed', claimedBy: foodDivision.sub });
      // Claimed, then claimed with the inspection's deadline (once its activity has answered:
      // read before that, the second upsert may not be in the history yet).
      await inspectionOpened(task, id);
      expect(await stageUpserts(task)).toEqual(['claimed', 'claimed']);
    });
  });

  it('a local record that fails after writing is retried and its step is on the trail once', async () => {
    const taskQueue = uniqueId('tq');
    let attempts = 0;
    // The claim is written, then the attempt fails (as if the worker lost the answer): the
    // retry writes again under the same business key.
    const worker = await workerWith(taskQueue, (real) => ({
      recordClaim: async (input) => {
        await real.recordClaim(input);
        if (++attempts === 1) throw new Error('lost after the write');
      },
    }));
    await worker.runUntil(async () => {
      const { task, taskId: id } = await approvedCase(taskQueue);
      const claimed = await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      expect(claimed.status).toBe('claimed');
      expect(attempts).toBe(2);
      const steps = await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${id}:claimed`));
      expect(steps).toHaveLength(1);
      expect((await activityKinds(task)).local).toEqual(['recordClaim']);
      await inspectionOpened(task, id);
    });
  });

  it('an unclaimed task is reminded at 09:00 the working day before, then overdue and escalated exactly at 24:00 of the 3rd working day', async () => {
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database()));
    await worker.runUntil(async () => {
      const { task, taskId: id } = await approvedCase(taskQueue);
      const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, id));
      // The stored deadline is the legal one for the push time, under the calendar in the database.
      const calendar = new WorkingCalendar(await loadCalendarData(database().db));
      const expected = calendar.deadline(row!.pushedAt, 3);
      expect(row!.claimDueAt.toISOString()).toBe(expected.dueAt.toISOString());
      expect(row!.claimRemindAt!.toISOString()).toBe(calendar.reminderBefore(expected.dueDate, '09:00').toISOString());
      const sent = async () => (await database().db.select({ k: notifications.businessKey }).from(notifications).where(like(notifications.businessKey, `${id}:%`))).map((n) => n.k).sort();

      // Just before the reminder time: only the task notice.
      await env.sleep(row!.claimRemindAt!.getTime() - (await env.currentTimeMs()) - 60_000);
      expect(await sent()).toEqual([`${id}:claim-notice`]);
      // Just after: the reminder to the division admin, keyed by the deadline it is about.
      await env.sleep(120_000);
      await waitFor(async () => (await sent()).length === 2);
      expect(await sent()).toContain(`${id}:claim-reminder:${row!.claimDueAt.toISOString()}`);

      // One minute before the deadline: not overdue.
      await env.sleep(row!.claimDueAt.getTime() - (await env.currentTimeMs()) - 60_000);
      expect((await task.query(taskStateQuery)).claimOverdue).toBe(false);
      expect(await sent()).toHaveLength(2);

      // Two minutes later: overdue, escalated to the department head and the coordinating office.
      await env.sleep(120_000);
      await waitFor(async () => (await sent()).length === 4);
      expect((await task.query(taskStateQuery)).claimOverdue).toBe(true);
      const [after] = await database().db.select().from(tasks).where(eq(tasks.taskId, id));
      expect(after!.claimOverdue).toBe(true);
      expect(after!.escalatedAt).not.toBeNull();
      const [head] = await database().db.select().from(notifications).where(eq(notifications.businessKey, `${id}:claim-escalation`));
      expect(head).toMatchObject({ recipientPhone: '13900000002', status: 'sent' });
      const [office] = await database().db.select().from(notifications).where(eq(notifications.businessKey, `${id}:claim-escalation:coordinating-office`));
      expect(office).toMatchObject({ recipientPhone: '13900000004', status: 'sent' });

      // The next working day at 09:00, still unclaimed: the formal urging notice (催办) to the
      // division admin; one minute before it, none.
      const urgeAt = shanghaiTimeOn(calendar.nthWorkingDayAfter(dayOf(expected.dueDate), 1), '09:00');
      await env.sleep(urgeAt.getTime() - (await env.currentTimeMs()) - 60_000);
      expect(await sent()).toHaveLength(4);
      await env.sleep(120_000);
      await waitFor(async () => (await sent()).length === 5);
      const [urging] = await database().db.select().from(notifications).where(eq(notifications.businessKey, `${id}:claim-urging`));
      expect(urging).toMatchObject({ template: 'claim-urging', status: 'sent' });
      expect(urging!.body).toContain('催办');

      // A late claim is still accepted, and recorded as late.
      const claimed = await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      expect(claimed.status).toBe('claimed');
      await inspectionOpened(task, id);
      await keepHistory('supervisionTask/overdue-urged-late-claim', task);
    });
  });

  it('a task claimed after the escalation but before the urging time is not urged', async () => {
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database()));
    await worker.runUntil(async () => {
      const { task, taskId: id } = await approvedCase(taskQueue);
      const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, id));
      await env.sleep(row!.claimDueAt.getTime() - (await env.currentTimeMs()) + 60_000);
      await waitFor(async () => (await task.query(taskStateQuery)).claimOverdue);
      await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      // Well past the next working day's 09:00.
      await env.sleep(3 * 86_400_000);
      const keys = (await database().db.select({ k: notifications.businessKey }).from(notifications).where(like(notifications.businessKey, `${id}:%`))).map((n) => n.k);
      expect(keys).toContain(`${id}:claim-escalation`);
      expect(keys).not.toContain(`${id}:claim-urging`);
      await inspectionOpened(task, id);
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

  it('of four simultaneous claims by four users of the division exactly one wins, and the record names it', async () => {
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database()));
    await worker.runUntil(async () => {
      const { task, taskId: id } = await approvedCase(taskQueue);
      const users = [1, 2, 3, 4].map((n) => ({ ...foodDivision, sub: `supervision:food-${n}` }));
      const answers = await Promise.allSettled(users.map((actor) => task.executeUpdate(claimUpdate, { args: [{ actor }] })));
      const won = answers.flatMap((a, i) => (a.status === 'fulfilled' ? [users[i]!.sub] : []));
      expect(won).toHaveLength(1);
      for (const a of answers) {
        if (a.status === 'rejected') expect(((a.reason as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(FailureType.InvalidState);
      }
      const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, id));
      expect(row!.claimedBy).toBe(won[0]);
      const steps = await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${id}:claimed`));
      expect(steps.map((e) => e.actor.sub)).toEqual([won[0]]);
    });
  });
});
