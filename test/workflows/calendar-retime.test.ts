// A schedule import moves a pending claim deadline: the running task re-computes it, its trail
// says "claim deadline moved from X to Y: calendar <year> updated", and the reminder and the
// overdue mark follow the new deadline, not the old one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq, inArray, like } from 'drizzle-orm';
import { auditEvents, calendarDays, calendarYears, notifications, tasks } from '../../db/schema/index.js';
import { importCalendar, loadCalendarData } from '../../db/calendar.js';
import { WorkingCalendar, dateOf, dayOf } from '../../workflows/domain/working-days.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import { calendarRetimeWorkflowId, taskStateQuery } from '../../workflows/contracts.js';
import type { calendarRetime } from '../../workflows/calendarRetime.js';
import type { ImportedDay } from '../../workflows/domain/calendar-import.js';
import { approveNewCase, closeDatabase, createTestWorker, createTimeSkippingEnv, database, keepHistory, testDeps, uniqueId, waitFor } from '../helpers.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
  await closeDatabase();
});

describe('calendar import re-times running deadlines', () => {
  it('moves a pending claim deadline, and the reminder fires at the new time', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
    await worker.runUntil(async () => {
      const { task, taskId: id } = await approveNewCase(env, taskQueue);
      const [before] = await db.select().from(tasks).where(eq(tasks.taskId, id));
      const oldDue = before!.claimDueAt;
      const calendar = new WorkingCalendar(await loadCalendarData(db));
      const oldDueDate = calendar.deadline(before!.pushedAt, 3).dueDate;

      // The State Council adds a day off inside the window: the 2nd working day after the push.
      const extra = dateOf(calendar.workingDayBefore(dayOf(oldDueDate)));
      const year = Number(extra.slice(0, 4));
      const [published] = await db.select().from(calendarYears).where(eq(calendarYears.year, year));
      const original: ImportedDay[] = (
        await db.select().from(calendarDays).where(and(eq(calendarDays.year, year), inArray(calendarDays.kind, ['holiday', 'makeup-workday'])))
      ).map((d) => ({ date: d.date, kind: d.kind as ImportedDay['kind'], name: d.holidayName ?? undefined }));
      try {
        const imported = await importCalendar(db, { year, notice: '测试：临时增加休息日', days: [...original, { date: extra, kind: 'holiday', name: '临时休息日' }], by: 'test' });
        expect(imported.changedDates).toContain(extra);
        const newCalendar = new WorkingCalendar(await loadCalendarData(db));
        const expected = newCalendar.deadline(before!.pushedAt, 3);
        expect(expected.dueAt.getTime()).toBeGreaterThan(oldDue.getTime());

        const retime = await env.client.workflow.execute<typeof calendarRetime>('calendarRetime', {
          workflowId: calendarRetimeWorkflowId(imported.importId),
          taskQueue,
          args: [{ importId: imported.importId, year }],
        });
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
        await keepHistory('supervisionTask-calendar-retimed-v3', task);
      } finally {
        // Put the shared test calendar back as it was.
        if (published) await importCalendar(db, { year, notice: published.sourceNotice, days: original, by: 'test' });
        else {
          await db.delete(calendarDays).where(eq(calendarDays.year, year));
          await db.delete(calendarYears).where(eq(calendarYears.year, year));
        }
      }
    });
  });
});
