// A random-inspection task's inspection deadline is its plan's period end (24:00 Asia/Shanghai),
// reminded on the period's last working day, and the ladder at it: the department head, then the
// coordinating office. On the time-skipping test server, so the plan's days pass in moments.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openInspectionTasks } from '../../activities/draw/tasks.js';
import { drawTargets, inspectionDraws, inspectionPlans, inspectors, tasks } from '../../db/schema/index.js';
import { claimUpdate } from '../../workflows/contracts.js';
import { dateOf, dayOf, endOfShanghaiDay, shanghaiDayOf } from '../../workflows/domain/working-days.js';
import { createTestWorker, database, keepHistory, sentFor, testDeps, trainingFoodDivision, uniqueId, useTimeSkippingEnv, waitFor, DEMO } from '../helpers.js';
import { testCreditCode } from '../draw-fixture.js';

const env = useTimeSkippingEnv();

describe('a random-inspection task’s deadline', () => {
  it('is the plan’s period end, reminded before, and escalated when it passes', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    const deps = testDeps(database(), { temporal: env.client });
    const tag = uniqueId('RD').replace(/-/g, '').toUpperCase();
    const M = DEMO.training.market;
    const planId = `${M}-${tag}`;
    const now = new Date(await env.currentTimeMs());
    const periodEnd = dateOf(shanghaiDayOf(now) + 3);
    const officers = [1, 2].map((n) => `${M}-${tag}-${n}`);
    await db.insert(inspectors).values(officers.map((id, n) => ({ id, departmentCode: M, divisionCode: DEMO.training.marketFoodDivision, name: `执法员${n}`, certificateNo: `${tag}${n}`.slice(-20), certificateValidFrom: '2024-01-01', certificateValidUntil: '2030-12-31', items: ['TR-JG-FOOD-01'], updatedBy: 'test' })));
    await db.insert(inspectionPlans).values({ planId, name: '演练', regionCode: 'TRAIN-320700', leadDepartmentCode: M, departments: [M], items: ['TR-JG-FOOD-01'], filter: {}, shares: {}, inspectorsPerTarget: 2, periodStart: dateOf(shanghaiDayOf(now)), periodEnd, publicationDays: 20, status: 'drawn', createdBy: trainingFoodDivision });
    await db.insert(inspectionDraws).values({ drawId: planId, planId, algorithm: 'sg-draw-v1', seed: '0'.repeat(64), snapshot: 'test', snapshotHash: '0'.repeat(64), populationSize: 1, status: 'drawn', snapshotAt: now, drawnAt: now });
    const creditCode = testCreditCode(7, String(100000 + Math.floor(Math.random() * 899999)));
    await db.insert(drawTargets).values({ drawId: planId, creditCode, ordinal: 1, creditGrade: 'C', riskGrade: 'medium', items: ['TR-JG-FOOD-01'], inspectorIds: officers });
    const { tasks: [input] } = await openInspectionTasks(deps, { drawId: planId, parentWorkflowId: 'test', after: 0 });
    expect(input).toMatchObject({ origin: { kind: 'random-inspection', no: `${planId}.1` }, divisionCode: DEMO.training.marketFoodDivision, inspection: { inspectors: officers, checkItems: [expect.stringMatching(/^TR-JG-FOOD-01 /)] } });

    const worker = await createTestWorker(env.nativeConnection, taskQueue, deps);
    await worker.runUntil(async () => {
      const task = await env.client.workflow.start('supervisionTask', { taskQueue, workflowId: input!.taskId, args: [input!] });
      await waitFor(async () => (await db.select().from(tasks).where(eq(tasks.taskId, input!.taskId))).length === 1);
      await task.executeUpdate(claimUpdate, { args: [{ actor: trainingFoodDivision }] });
      const row = async () => (await db.select().from(tasks).where(eq(tasks.taskId, input!.taskId)))[0]!;
      await waitFor(async () => (await row()).inspectionDueAt !== null);
      const due = (await row()).inspectionDueAt!;
      expect(due.toISOString()).toBe(endOfShanghaiDay(dayOf(periodEnd)).toISOString());
      const file = input!.origin.no;
      await env.sleep(due.getTime() - (await env.currentTimeMs()) + 60_000);
      expect(await sentFor(file)).toContain(`${input!.taskId}:inspection-reminder:${due.toISOString()}`);
      await waitFor(async () => (await sentFor(file)).includes(`${input!.taskId}:inspection-escalation`));
      await env.sleep(3 * 86_400_000);
      await waitFor(async () => (await sentFor(file)).includes(`${input!.taskId}:inspection-escalation:coordinating-office`));
      await keepHistory('supervisionTask/random-inspection-overdue', task);
      await task.terminate('test done');
    });
  });
});
