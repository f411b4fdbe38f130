// The push (推送) answers the claim window of the tasks it pushes, under the item's policy from
// that instant, and the task starts with it; a retried push writes no second step and answers
// the same window.
import { afterAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities/index.js';
import { auditEvents, cases, tasks } from '../../db/schema/index.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { closeDatabase, database, DEMO, insertCaseRow, testDeps } from '../helpers.js';

afterAll(async () => {
  await closeDatabase();
});

// Monday 2027-03-01 10:00 Asia/Shanghai; 2027 published with no holiday in March.
const pushedAt = new Date('2027-03-01T02:00:00Z');
const calendar = new WorkingCalendar({ publishedYears: [2027], exceptions: [] });
const acts = (now: Date) => createActivities(testDeps(database(), { calendar: { current: async () => calendar }, clock: () => now }));

describe('recordPush', () => {
  it('moves the case to supervising and answers the claim window: 3 working days from the push, reminded the day before', async () => {
    const applicationNo = await insertCaseRow();
    const taskIds = [`task-${applicationNo}.${DEMO.market}`];
    const { claimWindow } = await acts(pushedAt).recordPush({ applicationNo, itemCode: 'SP-FOOD-01', summary: 'dossier pushed to 1 supervising department(s)', taskIds });
    expect(claimWindow).toMatchObject({ openedAt: pushedAt.toISOString(), dueAt: '2027-03-04T16:00:00.000Z', remindAt: '2027-03-03T01:00:00.000Z', provisional: false, period: '3 working days' });
    expect(claimWindow.policy).toMatchObject({ code: 'standard', claimWindow: 3, claimEscalateTo: ['department-head', 'coordinating-office'] });
    const [c] = await database().db.select().from(cases).where(eq(cases.applicationNo, applicationNo));
    expect(c!.stage).toBe('supervising');
    const steps = await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${applicationNo}:supervising`));
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: 'pushed', summary: 'dossier pushed to 1 supervising department(s)', detail: { taskIds }, at: pushedAt });
  });

  it('retried later, writes no second step and answers the window from the recorded push', async () => {
    const applicationNo = await insertCaseRow();
    const input = { applicationNo, itemCode: 'SP-FOOD-01', summary: 'dossier pushed', taskIds: [`task-${applicationNo}.${DEMO.market}`] };
    const first = await acts(pushedAt).recordPush(input);
    const retry = await acts(new Date('2027-03-02T03:00:00Z')).recordPush(input);
    expect(retry).toEqual(first);
    expect(await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${applicationNo}:supervising`))).toHaveLength(1);
  });
});

describe('openTask', () => {
  it('creates the task with the window the push answered, and answers its deadline, reminder, period and escalation', async () => {
    const applicationNo = await insertCaseRow();
    const taskId = `task-${applicationNo}.${DEMO.market}`;
    const a = acts(pushedAt);
    const { claimWindow } = await a.recordPush({ applicationNo, itemCode: 'SP-FOOD-01', summary: 'dossier pushed', taskIds: [taskId] });
    const input = { taskId, origin: { kind: 'approval' as const, no: applicationNo, workflowId: `case-${applicationNo}`, dossierId: 1 }, departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, creditCode: 'c', applicantName: '某公司', itemCode: 'SP-FOOD-01', itemName: '食品经营许可', regionCode: '320700', claimWindow };
    const opened = await a.openTask(input);
    expect(opened).toEqual({ claimDueAt: claimWindow.dueAt, remindAt: claimWindow.remindAt, period: '3 working days', escalateTo: ['department-head', 'coordinating-office'] });
    expect(await a.openTask(input)).toEqual(opened);
    const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, taskId));
    expect(row).toMatchObject({ status: 'awaiting-claim', pushedAt, claimDueAt: new Date(claimWindow.dueAt), claimDueProvisional: false, policy: claimWindow.policy });
    expect(await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${taskId}:pushed`))).toHaveLength(1);
  });
});
