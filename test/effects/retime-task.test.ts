// After a calendar import the task workflow asks for the deadline of the window it waits in
// (retimeTask, the window named): counted again from the same start under the calendar now,
// the row and the trail told once per import; a task no longer in that window answers unchanged.
import { afterAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities/index.js';
import { auditEvents, tasks } from '../../db/schema/index.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { closeDatabase, database, DEMO, foodDivision, insertCaseRow, testDeps } from '../helpers.js';

afterAll(async () => {
  await closeDatabase();
});

// Monday 2027-03-01 10:00 Asia/Shanghai. The import makes Tuesday 2027-03-02 a holiday.
const pushedAt = new Date('2027-03-01T02:00:00Z');
const before = new WorkingCalendar({ publishedYears: [2027], exceptions: [] });
const after = new WorkingCalendar({ publishedYears: [2027], exceptions: [{ date: '2027-03-02', kind: 'holiday' }] });
const acts = (calendar: WorkingCalendar, now = pushedAt) => createActivities(testDeps(database(), { calendar: { current: async () => calendar }, clock: () => now }));
const importId = () => 900_000 + Math.floor(Math.random() * 100_000); // no such import: its year is not named

/** A task awaiting its claim, pushed at `pushedAt` under the calendar before the import. */
async function pushedTask() {
  const applicationNo = await insertCaseRow();
  const taskId = `task-${applicationNo}.${DEMO.market}`;
  const { claimWindow } = await acts(before).recordPush({ applicationNo, itemCode: 'SP-FOOD-01', summary: 'dossier pushed', taskIds: [taskId] });
  await acts(before).openTask({ taskId, origin: { kind: 'approval' as const, no: applicationNo, workflowId: `case-${applicationNo}`, dossierId: 1 }, departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, creditCode: 'c', applicantName: '某公司', itemCode: 'SP-FOOD-01', itemName: '食品经营许可', regionCode: '320700', claimWindow });
  return { applicationNo, taskId, claimWindow };
}

const movedSteps = (taskId: string) => database().db.select().from(auditEvents).where(eq(auditEvents.taskId, taskId)).then((rows) => rows.filter((r) => r.kind === 'deadline-moved'));

describe('retimeTask', () => {
  it('moves the claim deadline past the new holiday, on the row and once on the trail', async () => {
    const { taskId, claimWindow } = await pushedTask();
    const id = importId();
    const input = { taskId, importId: id, window: 'claim' as const, dueAt: claimWindow.dueAt, remindAt: claimWindow.remindAt };
    const moved = await acts(after).retimeTask(input);
    expect(moved).toEqual({ dueAt: '2027-03-05T16:00:00.000Z', remindAt: '2027-03-04T01:00:00.000Z', moved: true });
    const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, taskId));
    expect(row).toMatchObject({ claimDueAt: new Date(moved.dueAt), claimRemindAt: new Date(moved.remindAt!) });
    const steps = await movedSteps(taskId);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ eventKey: `${taskId}:retimed:claim:${id}`, summary: 'claim deadline moved from 2027-03-04 24:00 to 2027-03-05 24:00: calendar updated', detail: { window: 'claim', from: claimWindow.dueAt, to: moved.dueAt, importId: id } });
    // The same signal again (a retry, or a second import of the same change): nothing more moves.
    expect(await acts(after).retimeTask({ ...input, dueAt: moved.dueAt, remindAt: moved.remindAt })).toEqual({ ...moved, moved: false });
    expect(await movedSteps(taskId)).toHaveLength(1);
  });

  it('answers the input unchanged for a window the task is no longer in', async () => {
    const { taskId, claimWindow } = await pushedTask();
    const input = { taskId, importId: importId(), window: 'feedback' as const, dueAt: claimWindow.dueAt, remindAt: null };
    expect(await acts(after).retimeTask(input)).toEqual({ dueAt: input.dueAt, remindAt: null, moved: false });
    expect(await movedSteps(taskId)).toHaveLength(0);
  });

  it('moves the feedback deadline from the end of the inspection', async () => {
    const { applicationNo, taskId } = await pushedTask();
    const at = pushedAt.toISOString();
    await acts(before).recordClaim({ taskId, applicationNo, actor: foodDivision, claimedAt: at, onTime: true });
    const opened = await acts(before).recordInspection({ taskId, applicationNo, actor: foodDivision, finishedAt: at, findings: '现场检查' });
    expect(opened).toEqual({ feedbackDueAt: '2027-03-08T16:00:00.000Z', remindAt: '2027-03-05T01:00:00.000Z', period: '5 working days' });
    const id = importId();
    const moved = await acts(after).retimeTask({ taskId, importId: id, window: 'feedback', dueAt: opened.feedbackDueAt, remindAt: opened.remindAt });
    expect(moved).toEqual({ dueAt: '2027-03-09T16:00:00.000Z', remindAt: '2027-03-08T01:00:00.000Z', moved: true });
    const [step] = await movedSteps(taskId);
    expect(step).toMatchObject({ eventKey: `${taskId}:retimed:feedback:${id}`, detail: { window: 'feedback', from: opened.feedbackDueAt, to: moved.dueAt } });
  });
});
