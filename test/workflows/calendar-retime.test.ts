// A schedule import moves a pending claim deadline: the running task re-computes it, its trail
// says "claim deadline moved from X to Y: calendar <year> updated", and the reminder and the
// overdue mark follow the new deadline, not the old one. The same for a re-inspection (复查)
// window after a rectification order, and for the windows the case itself waits in: the
// statutory decision and the revocation decision.
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { and, eq, inArray, like } from 'drizzle-orm';
import { auditEvents, calendarDays, calendarYears, cases, complaints, departmentNotices, notifications, tasks } from '../../db/schema/index.js';
import { importCalendar, loadCalendarData } from '../../db/calendar.js';
import { WorkingCalendar, dateOf, dayOf, shanghaiDayOf } from '../../workflows/domain/working-days.js';
import { monthsDeadline, urgeAfter } from '../../workflows/domain/deadlines.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import { calendarChangedSignal, calendarRetimeWorkflowId, complaintStateQuery, complaintWorkflowId, intakeUpdate, findingNoticeId, noticeStateQuery, caseStateQuery, claimUpdate, decideUpdate, feedbackUpdate, inspectionUpdate, taskId as taskIdOf, taskStateQuery, type ApprovalCaseInput } from '../../workflows/contracts.js';
import type { approvalCase } from '../../workflows/approvalCase.js';
import type { calendarRetime } from '../../workflows/calendarRetime.js';
import type { departmentNotice } from '../../workflows/departmentNotice.js';
import type { ImportedDay } from '../../workflows/domain/calendar-import.js';
import { complaintInput } from '../complaint-fixture.js';
import type { complaintCase } from '../../workflows/complaintCase.js';
import { DEMO, activityKinds, insertCaseRow, inspectionOpened, approveNewCase, foodDivision, approver, caseInput, createTestWorker, useTimeSkippingEnv, database, keepHistory, stageUpserts, testDeps, uniqueId, waitFor } from '../helpers.js';

const env = useTimeSkippingEnv();

describe('calendar import re-times running deadlines', () => {
  it('moves a pending claim deadline, and the reminder fires at the new time', async () => {
    const { db } = database();
    await withTaskOfNewCase(async ({ task, id, taskQueue, row }) => {
      const before = await row();
      const oldDue = before!.claimDueAt;
      const calendar = new WorkingCalendar(await loadCalendarData(db));
      const oldDueDate = calendar.deadline(before!.pushedAt, 3).dueDate;

      // The State Council adds a day off inside the window: the 2nd working day after the push.
      const extra = dateOf(calendar.workingDayBefore(dayOf(oldDueDate)));
      await withExtraHoliday(extra, async (importId, year) => {
        const newCalendar = new WorkingCalendar(await loadCalendarData(db));
        const expected = newCalendar.deadline(before!.pushedAt, 3);
        expect(expected.dueAt.getTime()).toBeGreaterThan(oldDue.getTime());

        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(importId), taskQueue, args: [{ importId, year }] });
        expect(retime.tasksSignalled).toBeGreaterThanOrEqual(1);

        await waitFor(async () => (await task.query(taskStateQuery)).claimDueAt === expected.dueAt.toISOString());
        const [after] = await db.select().from(tasks).where(eq(tasks.taskId, id));
        expect(after!.claimDueAt.toISOString()).toBe(expected.dueAt.toISOString());
        const [moved] = await db.select().from(auditEvents).where(and(eq(auditEvents.taskId, id), eq(auditEvents.kind, 'deadline-moved')));
        expect(moved!.summary).toBe(`claim deadline moved from ${formatShanghai(oldDue)} to ${formatShanghai(expected.dueAt)}: calendar ${year} updated`);

        const sent = async () => (await db.select({ k: notifications.businessKey }).from(notifications).where(like(notifications.businessKey, `${id}:%`))).map((n) => n.k);
        const newRemindAt = newCalendar.reminderBefore(expected.dueDate, '09:00');
        // Past the old reminder time (09:00 on the new day off) and up to just before the new one: no reminder.
        await env.sleep(newRemindAt.getTime() - (await env.currentTimeMs()) - 60_000);
        expect(await sent()).toEqual([`${id}:claim-notice`]);
        await env.sleep(120_000);
        await waitFor(async () => (await sent()).length === 2);
        expect(await sent()).toContain(`${id}:claim-reminder:${expected.dueAt.toISOString()}`);
        // The old deadline passes without an overdue mark.
        await env.sleep(Math.max(0, oldDue.getTime() - (await env.currentTimeMs())) + 60_000);
        expect((await task.query(taskStateQuery)).claimOverdue).toBe(false);
        await keepHistory('supervisionTask/calendar-retimed', task);
      });
    });
  });

  it('moves the urging notice (催办) of an escalated task: it goes out on the new day, not the old', async () => {
    const { db } = database();
    await withTaskOfNewCase(async ({ task, id, taskQueue, row }) => {
      const pushed = await row();
      // Past the claim deadline: overdue, escalated, and the urging time on the read model.
      await env.sleep(pushed.claimDueAt.getTime() - (await env.currentTimeMs()) + 60_000);
      await waitFor(async () => (await row()).urgeAt !== null);
      const oldUrge = (await row()).urgeAt!;
      expect(oldUrge.toISOString()).toBe(urgeAfter(new WorkingCalendar(await loadCalendarData(db)), pushed.policy!, pushed.claimDueAt));
      const sent = async () => (await db.select({ k: notifications.businessKey }).from(notifications).where(like(notifications.businessKey, `${id}:%`))).map((n) => n.k);
      const escalations = (await sent()).length;

      // The day of the urging becomes a day off.
      await withExtraHoliday(dateOf(shanghaiDayOf(oldUrge)), async (importId, year) => {
        const expected = urgeAfter(new WorkingCalendar(await loadCalendarData(db)), pushed.policy!, pushed.claimDueAt);
        expect(Date.parse(expected)).toBeGreaterThan(oldUrge.getTime());
        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(importId), taskQueue, args: [{ importId, year }] });
        expect(retime.tasksSignalled).toBeGreaterThanOrEqual(1);

        await waitFor(async () => (await row()).urgeAt!.toISOString() === expected);
        const moved = await db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${id}:retimed:urging:${importId}`));
        expect(moved.map((m) => m.summary)).toEqual([`urging (催办) moved from ${formatShanghai(oldUrge)} to ${formatShanghai(expected)}: calendar ${year} updated`]);

        // The old time passes without an urging; one minute before the new one, still none.
        await env.sleep(Date.parse(expected) - (await env.currentTimeMs()) - 60_000);
        expect(await sent()).toHaveLength(escalations);
        expect(await sent()).not.toContain(`${id}:claim-urging`);
        // Just after it: the urging notice, once.
        await env.sleep(120_000);
        await waitFor(async () => (await sent()).includes(`${id}:claim-urging`));
        expect(await sent()).toHaveLength(escalations + 1);
        await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
        await inspectionOpened(task, id);
        await keepHistory('supervisionTask/urging-retimed', task);
      });
    });
  });

  it('moves a rectification deadline of one month (民法典 arts. 200-203) that a calendar import makes a day off; the re-inspection follows the new one', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
    await worker.runUntil(async () => {
      const { handle, task, id, housing } = await inspectedCommitmentTask(taskQueue);
      // No deadline of the division's own: the policy's one calendar month.
      await task.executeUpdate(feedbackUpdate, { args: [{ actor: housing, result: 'commitment-untrue', note: '与承诺不符' }] });
      const [ordered] = await db.select().from(auditEvents).where(and(eq(auditEvents.taskId, id), eq(auditEvents.kind, 'rectification-ordered')));
      const oldDue = (await db.select().from(tasks).where(eq(tasks.taskId, id)))[0]!.rectificationDueAt!;
      expect(oldDue.toISOString()).toBe(monthsDeadline(new WorkingCalendar(await loadCalendarData(db)), ordered!.at, 1).dueAt);
      expect(ordered!.summary).toContain('(1 month)');

      const lastDay = dateOf(shanghaiDayOf(new Date(oldDue.getTime() - 1)));
      await withExtraHoliday(lastDay, async (imported, year) => {
        const expected = monthsDeadline(new WorkingCalendar(await loadCalendarData(db)), ordered!.at, 1);
        expect(Date.parse(expected.dueAt)).toBeGreaterThan(oldDue.getTime());
        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(imported), taskQueue, args: [{ importId: imported, year }] });
        expect(retime.tasksSignalled).toBeGreaterThanOrEqual(1);
        await waitFor(async () => (await db.select().from(tasks).where(eq(tasks.taskId, id)))[0]!.rectificationDueAt!.toISOString() === expected.dueAt);
        const moved = await db.select().from(auditEvents).where(and(eq(auditEvents.taskId, id), eq(auditEvents.kind, 'deadline-moved')));
        expect(moved.map((m) => m.summary)).toEqual([`rectification deadline moved from ${formatShanghai(oldDue)} to ${formatShanghai(expected.dueAt)}: calendar ${year} updated`]);
        // The old deadline passes: still rectifying; at the new one the re-inspection falls due.
        await env.sleep(oldDue.getTime() - (await env.currentTimeMs()) + 60_000);
        expect((await task.query(taskStateQuery)).status).toBe('rectifying');
        await env.sleep(Date.parse(expected.dueAt) - (await env.currentTimeMs()) + 60_000);
        await waitFor(async () => (await task.query(taskStateQuery)).status === 'awaiting-reinspection');
      });
      await task.terminate('test done');
      await handle.terminate('test done').catch(() => undefined);
    });
  });

  it('moves a pending re-inspection deadline; the old one passes without an overdue mark', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
    await worker.runUntil(async () => {
      const { handle, task, id, housing } = await inspectedCommitmentTask(taskQueue);
      const rectifyBy = new Date((await env.currentTimeMs()) + 2 * 86_400_000).toISOString();
      await task.executeUpdate(feedbackUpdate, { args: [{ actor: housing, result: 'commitment-untrue', note: '与承诺不符', rectificationDeadline: rectifyBy }] });
      await env.sleep(Date.parse(rectifyBy) - (await env.currentTimeMs()) + 60_000);
      await waitFor(async () => (await task.query(taskStateQuery)).status === 'awaiting-reinspection');

      const [before] = await db.select().from(tasks).where(eq(tasks.taskId, id));
      const oldDue = before!.reinspectionDueAt!;
      expect(before!.policy!.unit).toBe('working-day');
      const [opened] = await db.select().from(auditEvents).where(and(eq(auditEvents.taskId, id), eq(auditEvents.kind, 'reinspection-due')));
      const calendar = new WorkingCalendar(await loadCalendarData(db));
      const window = before!.policy!.feedbackWindow;
      expect(calendar.deadline(opened!.at, window).dueAt.toISOString()).toBe(oldDue.toISOString());
      // A day off added inside the window: the working day before the old deadline's day.
      const extra = dateOf(calendar.workingDayBefore(dayOf(calendar.deadline(opened!.at, window).dueDate)));
      await withExtraHoliday(extra, async (imported, year) => {
        const expected = new WorkingCalendar(await loadCalendarData(db)).deadline(opened!.at, window);
        expect(expected.dueAt.getTime()).toBeGreaterThan(oldDue.getTime());
        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(imported), taskQueue, args: [{ importId: imported, year }] });
        expect(retime.tasksSignalled).toBeGreaterThanOrEqual(1);

        await waitFor(async () => (await task.query(taskStateQuery)).reinspectionDueAt === expected.dueAt.toISOString());
        const [after] = await db.select().from(tasks).where(eq(tasks.taskId, id));
        expect(after!.reinspectionDueAt!.toISOString()).toBe(expected.dueAt.toISOString());
        const moved = await db.select().from(auditEvents).where(and(eq(auditEvents.taskId, id), eq(auditEvents.kind, 'deadline-moved')));
        expect(moved.map((m) => m.summary)).toEqual([`re-inspection deadline moved from ${formatShanghai(oldDue)} to ${formatShanghai(expected.dueAt)}: calendar ${year} updated`]);

        // The old deadline passes: still awaiting re-inspection, nothing marked overdue.
        await env.sleep(oldDue.getTime() - (await env.currentTimeMs()) + 60_000);
        expect((await task.query(taskStateQuery)).status).toBe('awaiting-reinspection');
        expect(await db.select().from(auditEvents).where(and(eq(auditEvents.taskId, id), like(auditEvents.eventKey, `${id}:reinspection-overdue:%`)))).toEqual([]);
        // The new one passes: overdue then.
        await env.sleep(expected.dueAt.getTime() - (await env.currentTimeMs()) + 60_000);
        await waitFor(async () => (await db.select().from(auditEvents).where(and(eq(auditEvents.taskId, id), like(auditEvents.eventKey, `${id}:reinspection-overdue:%`)))).length === 1);
        await keepHistory('supervisionTask/reinspection-retimed', task);
      });
      await task.terminate('test done');
      await handle.terminate('test done').catch(() => undefined);
    });
  });

  it('moves the statutory decision deadline of a case awaiting its decision; overdue follows the new one', async () => {
    const { db } = database();
    await withCaseAwaitingDecision({}, async ({ no, handle, taskQueue, row }) => {
      const oldDue = (await row()).decisionDueAt!;
      const extra = await dayOffBefore(oldDue);
      const overdue = async () => db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${no}:decision-overdue`));

      await withExtraHoliday(extra, async (importId, year) => {
        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(importId), taskQueue, args: [{ importId, year }] });
        expect(retime.casesSignalled ?? 0).toBeGreaterThanOrEqual(1);
        // The workflow re-computed its window: the stage's deadline is upserted again.
        await waitFor(async () => (await stageUpserts(handle)).filter((st) => st === 'awaiting-decision').length === 2);
        const newDue = (await row()).decisionDueAt!;
        expect(newDue.getTime()).toBeGreaterThan(oldDue.getTime());
        const moved = await db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${no}:retimed:decision:${importId}`));
        expect(moved).toHaveLength(1);

        // The old deadline passes: not overdue.
        await env.sleep(oldDue.getTime() - (await env.currentTimeMs()) + 60_000);
        expect((await handle.query(caseStateQuery)).stage).toBe('awaiting-decision');
        expect(await overdue()).toEqual([]);
        // The new one passes: overdue then, on the record with the new deadline.
        await env.sleep(newDue.getTime() - (await env.currentTimeMs()) + 60_000);
        await waitFor(async () => (await overdue()).length === 1);
        expect((await overdue())[0]!.summary).toBe(`no decision by the statutory deadline ${formatShanghai(newDue)}: overdue`);
        await keepHistory('approvalCase/decision-retimed', handle);
      });
    });
  });

  it('a decision deadline moved after its reminder went out is reminded again (the key carries the deadline)', async () => {
    const { db } = database();
    await withCaseAwaitingDecision({}, async ({ no, taskQueue, row }) => {
      const oldDue = (await row()).decisionDueAt!;
      const reminders = async () => (await db.select({ k: notifications.businessKey }).from(notifications).where(like(notifications.businessKey, `${no}:decision-reminder:%`))).map((n) => n.k).sort();
      // 09:00 of the working day before the last day: the reminder goes out.
      const reminderDay = await dayOffBefore(oldDue);
      await env.sleep(Date.parse(`${reminderDay}T09:00:00+08:00`) - (await env.currentTimeMs()) + 120_000);
      await waitFor(async () => (await reminders()).length === 1);
      // That very day becomes a day off: the deadline moves a working day later, and its reminder is due again.
      await withExtraHoliday(reminderDay, async (importId, year) => {
        await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(importId), taskQueue, args: [{ importId, year }] });
        await waitFor(async () => (await row()).decisionDueAt!.getTime() !== oldDue.getTime());
        const newDue = (await row()).decisionDueAt!;
        await env.sleep(newDue.getTime() - (await env.currentTimeMs()) - 3_600_000);
        await waitFor(async () => (await reminders()).length === 2);
        expect(await reminders()).toEqual([`${no}:decision-reminder:${oldDue.toISOString()}`, `${no}:decision-reminder:${newDue.toISOString()}`].sort());
      });
    });
  });

  it('moves the commitment period (材料延期); the applicant is reminded and the case turns overdue at the new deadline', async () => {
    const { db } = database();
    await withCaseAwaitingDecision(deferred, async ({ no, handle, taskQueue, row }) => {
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '告知承诺', actor: approver }] });
      await waitFor(async () => (await row()).commitmentDueAt !== null);
      const oldDue = (await row()).commitmentDueAt!;
      const extra = await dayOffBefore(oldDue);
      const reminders = async () => (await db.select({ k: notifications.businessKey }).from(notifications).where(like(notifications.businessKey, `${no}:commitment-reminder:%`))).map((n) => n.k);

      await withExtraHoliday(extra, async (importId, year) => {
        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(importId), taskQueue, args: [{ importId, year }] });
        expect(retime.casesSignalled ?? 0).toBeGreaterThanOrEqual(1);
        await waitFor(async () => (await row()).commitmentDueAt!.getTime() !== oldDue.getTime());
        const newDue = (await row()).commitmentDueAt!;
        expect(newDue.getTime()).toBeGreaterThan(oldDue.getTime());
        const [moved] = await db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${no}:retimed:commitment:${importId}`));
        expect(moved!.summary).toBe(`commitment deadline moved from ${formatShanghai(oldDue)} to ${formatShanghai(newDue)}: calendar ${year} updated`);

        // The old deadline passes: still awaiting the materials; the one reminder is for the new deadline.
        await env.sleep(oldDue.getTime() - (await env.currentTimeMs()) + 60_000);
        expect((await handle.query(caseStateQuery)).stage).toBe('awaiting-materials');
        await env.sleep(newDue.getTime() - (await env.currentTimeMs()) + 60_000);
        await waitFor(async () => (await row()).stage === 'revocation-pending');
        expect(await reminders()).toEqual([`${no}:commitment-reminder:${newDue.toISOString()}`]);
      });
    });
  });

  it('moves the revocation decision deadline; the escalation to the coordinating office follows the new one', async () => {
    const { db } = database();
    const step = 'revocation-commitment:1';
    await withCaseAwaitingDecision(deferred, async ({ no, handle, taskQueue, row }) => {
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '告知承诺', actor: approver }] });
      await waitFor(async () => (await row()).commitmentDueAt !== null);
      await env.sleep((await row()).commitmentDueAt!.getTime() - (await env.currentTimeMs()) + 60_000);
      await waitFor(async () => (await row()).stage === 'revocation-pending');
      const [pending] = await db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${no}:${step}`));
      const oldDue = new Date((pending!.detail as { dueAt: string }).dueAt);
      const extra = await dayOffBefore(oldDue);
      const escalated = async () => db.select().from(notifications).where(eq(notifications.businessKey, `${no}:${step}:escalation`));

      await withExtraHoliday(extra, async (importId, year) => {
        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(importId), taskQueue, args: [{ importId, year }] });
        expect(retime.casesSignalled ?? 0).toBeGreaterThanOrEqual(1);
        const before = (await stageUpserts(handle)).filter((st) => st === 'revocation-pending').length;
        await waitFor(async () => (await db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${no}:retimed:revocation:${importId}`))).length === 1);
        await waitFor(async () => (await stageUpserts(handle)).filter((st) => st === 'revocation-pending').length >= before);
        const [moved] = await db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${no}:retimed:revocation:${importId}`));
        const newDue = new Date((moved!.detail as { to: string }).to);
        expect(newDue.getTime()).toBeGreaterThan(oldDue.getTime());
        expect(moved!.summary).toBe(`revocation decision deadline moved from ${formatShanghai(oldDue)} to ${formatShanghai(newDue)}: calendar ${year} updated`);

        await env.sleep(oldDue.getTime() - (await env.currentTimeMs()) + 60_000);
        expect(await escalated()).toEqual([]);
        await env.sleep(newDue.getTime() - (await env.currentTimeMs()) + 60_000);
        await waitFor(async () => (await escalated()).length === 1);
        // Each in the words of its cause: deferred materials overdue, then the decision overdue.
        const [asked] = await db.select().from(notifications).where(eq(notifications.businessKey, `${no}:${step}:notice`));
        expect(asked).toMatchObject({ template: 'revocation-materials' });
        expect(asked!.body).toContain(`承诺补交的材料逾期未补交，请于${formatShanghai(oldDue)}前依法决定`);
        expect(asked!.body).not.toContain('复查');
        expect((await escalated())[0]).toMatchObject({ template: 'revocation-overdue' });
        expect((await escalated())[0]!.body).toContain(`撤销决定期限${formatShanghai(newDue)}已过`);
        await keepHistory('approvalCase/revocation-retimed', handle);
      });
    });
  });

  it('moves the window of a department notice (联动告知) awaiting its acknowledgement', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
    await worker.runUntil(async () => {
      const origin = await insertCaseRow();
      const noticeId = findingNoticeId(`${DEMO.market}.${uniqueId('R')}`, DEMO.health);
      const notice = await env.client.workflow.start<typeof departmentNotice>('departmentNotice', {
        workflowId: noticeId,
        taskQueue,
        args: [{ noticeId, kind: 'linkage', to: { departmentCode: DEMO.health, divisionCode: DEMO.healthDivision }, raisedBy: foodDivision, originTrail: origin, creditCode: '91320700MA1N000019', subjectName: '某公司', matter: '检查发现涉及公共卫生', applicationNo: origin }],
      });
      const row = async () => (await db.select().from(departmentNotices).where(eq(departmentNotices.noticeId, noticeId)))[0];
      await waitFor(async () => (await db.select().from(notifications).where(eq(notifications.businessKey, `${noticeId}:notice:0`))).length === 1);
      const before = (await row())!;
      const calendar = new WorkingCalendar(await loadCalendarData(db));
      const extra = dateOf(calendar.workingDayBefore(dayOf(calendar.deadline(before.openedAt, 3).dueDate)));
      await withExtraHoliday(extra, async (importId, year) => {
        const expected = new WorkingCalendar(await loadCalendarData(db)).deadline(before.openedAt, 3).dueAt.toISOString();
        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(importId), taskQueue, args: [{ importId, year }] });
        expect(retime.noticesSignalled).toBeGreaterThanOrEqual(1);
        await waitFor(async () => (await notice.query(noticeStateQuery)).dueAt === expected);
        expect((await row())!.dueAt.toISOString()).toBe(expected);
        const [moved] = await db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${noticeId}:retimed:${importId}`));
        expect(moved!.summary).toBe(`notice deadline moved from ${formatShanghai(before.dueAt)} to ${formatShanghai(expected)}: calendar ${year} updated`);
      });
      await notice.terminate('test done');
    });
  });
  it('moves the reply window of a complaint (12345) from its receipt, once per import; the reminder follows the new deadline', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
    await worker.runUntil(async () => {
      const input = complaintInput();
      const no = input.complaintNo;
      const handle = await env.client.workflow.start<typeof complaintCase>('complaintCase', { workflowId: complaintWorkflowId(no), taskQueue, args: [input] });
      const state = await handle.executeUpdate(intakeUpdate, { args: [{ requestHash: input.requestHash }] });
      const row = async () => (await db.select().from(complaints).where(eq(complaints.complaintNo, no)))[0]!;
      const before = await row();
      expect(before.replyWindow).toMatchObject({ unit: 'working-day', amount: 5 });
      await withExtraHoliday(await dayOffBefore(before.replyDueAt), async (importId, year) => {
        const newCalendar = new WorkingCalendar(await loadCalendarData(db));
        const expected = newCalendar.deadline(before.receivedAt, before.replyWindow!.amount);
        expect(expected.dueAt.getTime()).toBeGreaterThan(before.replyDueAt.getTime());
        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(importId), taskQueue, args: [{ importId, year }] });
        expect(retime.complaintsSignalled).toBeGreaterThanOrEqual(1);
        await waitFor(async () => (await handle.query(complaintStateQuery)).replyDueAt === expected.dueAt.toISOString());
        expect((await row()).replyDueAt.toISOString()).toBe(expected.dueAt.toISOString());
        // The same import told again (a retried page): the trail keeps one step.
        await handle.signal(calendarChangedSignal, { importId, year });
        await waitFor(async () => (await activityKinds(handle)).tasks.filter((k) => k === 'retimeComplaintReply').length === 2);
        await waitFor(async () => ((await handle.describe()).raw.pendingActivities ?? []).length === 0);
        // The reply's own steps (the task's claim deadline is on the complaint's file too).
        const moved = await db.select().from(auditEvents).where(and(eq(auditEvents.applicationNo, no), eq(auditEvents.kind, 'deadline-moved'), like(auditEvents.eventKey, `${no}:retimed:reply:%`)));
        expect(moved.map((m) => m.summary)).toEqual([`reply deadline moved from ${formatShanghai(before.replyDueAt)} to ${formatShanghai(expected.dueAt)}: calendar ${year} updated`]);
        // The reminder goes out the working day before the new deadline, not the old one.
        const reminders = async () => (await db.select({ k: notifications.businessKey }).from(notifications).where(like(notifications.businessKey, `${no}:reply-reminder:%`))).map((n) => n.k);
        await env.sleep(newCalendar.reminderBefore(expected.dueDate, '09:00').getTime() - (await env.currentTimeMs()) + 60_000);
        await waitFor(async () => (await reminders()).length === 1);
        expect(await reminders()).toEqual([`${no}:reply-reminder:${expected.dueAt.toISOString()}`]);
        await keepHistory('complaintCase/reply-retimed', handle);
      });
      await env.client.workflow.getHandle(state.taskId!).terminate('test done');
      await handle.terminate('test done').catch(() => undefined);
    });
  });
});

/** A 事后核查 case of SP-BUILD-01, approved; its housing task claimed and inspected, awaiting the feedback. */
async function inspectedCommitmentTask(taskQueue: string) {
  const { db } = database();
  const input = caseInput({ itemCode: 'SP-BUILD-01', route: 'commitment', commitment: { scenario: 'post-verification', text: '承诺具备施工条件' } });
  const handle = await env.client.workflow.start<typeof approvalCase>('approvalCase', { workflowId: `case-${input.applicationNo}`, taskQueue, args: [input] });
  await waitFor(async () => (await handle.query(caseStateQuery)).stage === 'awaiting-decision');
  await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '当场发证', actor: approver }] });
  const id = taskIdOf(input.applicationNo, DEMO.housing);
  await waitFor(async () => (await db.select().from(tasks).where(eq(tasks.taskId, id))).length === 1);
  const task = env.client.workflow.getHandle(id);
  const housing = { sub: 'supervision:housing', role: 'supervision' as const, department: DEMO.housing, division: DEMO.housingDivision };
  await task.executeUpdate(claimUpdate, { args: [{ actor: housing }] });
  await task.executeUpdate(inspectionUpdate, { args: [{ actor: housing, finishedAt: new Date(await env.currentTimeMs()).toISOString(), findings: '承诺不实' }] });
  return { handle, task, id, housing };
}

const deferred: Partial<ApprovalCaseInput> = { itemCode: 'SP-MEDDEV-01', route: 'commitment', commitment: { scenario: 'deferred-materials', deferredMaterials: ['质量管理制度'], text: '承诺20个工作日内补交' } };

/** A case started on its own worker and awaiting its decision; terminated after `fn`, so the time-skipping server keeps skipping. */
/** A new case approved on its own worker, and its supervision task; both terminated after fn. */
async function withTaskOfNewCase(fn: (t: { task: WorkflowHandle; id: string; taskQueue: string; row: () => Promise<typeof tasks.$inferSelect> }) => Promise<void>): Promise<void> {
  const { db } = database();
  const taskQueue = uniqueId('tq');
  const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
  await worker.runUntil(async () => {
    const { task, taskId: id, caseHandle } = await approveNewCase(env, taskQueue);
    await fn({ task, id, taskQueue, row: async () => (await db.select().from(tasks).where(eq(tasks.taskId, id)))[0]! });
    // Nothing of a test may wait for a worker once it is gone: the time-skipping server
    // would stop skipping for the next test.
    await task.terminate('test done');
    await caseHandle.terminate('test done').catch(() => undefined);
  });
}

async function withCaseAwaitingDecision(
  overrides: Partial<ApprovalCaseInput>,
  fn: (c: { no: string; handle: WorkflowHandle; taskQueue: string; row: () => Promise<typeof cases.$inferSelect> }) => Promise<void>,
): Promise<void> {
  const { db } = database();
  const taskQueue = uniqueId('tq');
  const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
  const input = caseInput(overrides);
  const no = input.applicationNo;
  const handle = env.client.workflow.getHandle(`case-${no}`);
  await worker.runUntil(async () => {
    await env.client.workflow.start<typeof approvalCase>('approvalCase', { workflowId: `case-${no}`, taskQueue, args: [input] });
    await waitFor(async () => (await handle.query(caseStateQuery)).stage === 'awaiting-decision');
    await fn({ no, handle, taskQueue, row: async () => (await db.select().from(cases).where(eq(cases.applicationNo, no)))[0]! });
    await handle.terminate('test done');
  });
}

/** The working day before the one a deadline falls on: made a day off, it moves the deadline by a working day. */
async function dayOffBefore(due: Date): Promise<string> {
  const calendar = new WorkingCalendar(await loadCalendarData(database().db));
  return dateOf(calendar.workingDayBefore(dayOf(new Date(due.getTime() - 1).toISOString().slice(0, 10))));
}

/** Runs `fn` with `date` added to its year's published schedule as a day off, then restores it. */
async function withExtraHoliday(date: string, fn: (importId: number, year: number) => Promise<void>): Promise<void> {
  const { db } = database();
  const year = Number(date.slice(0, 4));
  const [published] = await db.select().from(calendarYears).where(eq(calendarYears.year, year));
  const original: ImportedDay[] = (await db.select().from(calendarDays).where(and(eq(calendarDays.year, year), inArray(calendarDays.kind, ['holiday', 'makeup-workday'])))).map((d) => ({
    date: d.date,
    kind: d.kind as ImportedDay['kind'],
    name: d.holidayName ?? undefined,
  }));
  try {
    const imported = await importCalendar(db, { year, notice: '测试：临时增加休息日', days: [...original, { date, kind: 'holiday', name: '临时休息日' }], by: 'test' });
    expect(imported.changedDates).toContain(date);
    await fn(imported.importId, year);
  } finally {
    if (published) await importCalendar(db, { year, notice: published.sourceNotice, days: original, by: 'test' });
    else {
      await db.delete(calendarDays).where(eq(calendarDays.year, year));
      await db.delete(calendarYears).where(eq(calendarYears.year, year));
    }
  }
}
