// 委派 in the workflow (docs/delegation.md), on the time-skipping server: a delegated task keeps
// its named officers across a rectification round's continue-as-new, and in the new run too
// only they and the division admin act; the validator refuses an ordinary officer's delegation
// and a re-delegation without its reason.
import { describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { openInspectionTasks } from '../../activities/draw/tasks.js';
import { drawTargets, inspectionDraws, inspectionPlans, inspectors, tasks } from '../../db/schema/index.js';
import { dateOf, shanghaiDayOf } from '../../workflows/domain/working-days.js';
import { testCreditCode } from '../draw-fixture.js';
import { FailureType, claimUpdate, delegationUpdate, feedbackUpdate, inspectionUpdate, reinspectionUpdate, taskStateQuery } from '../../workflows/contracts.js';
import { approveNewCase, database, foodDivision, foodDivisionAdmin, inspectionOpened, refusalType, testDeps, trainingFoodDivision, uniqueId, useFileWorker, useTimeSkippingEnv, waitFor, DEMO } from '../helpers.js';

const env = useTimeSkippingEnv();
const taskQueue = uniqueId('tq');
useFileWorker(env, taskQueue);

const named = ['LYG-SJJ-ZF01', 'LYG-SJJ-ZF03'];
const officer = (sub: string) => ({ ...foodDivision, sub });
const refused = (p: Promise<unknown>) => p.then(() => 'accepted', refusalType);

describe('a delegated task in the workflow', () => {
  it('keeps its officers into the next rectification round, where only they and the admin act', async () => {
    const { task, taskId } = await approveNewCase(env, taskQueue, { itemCode: 'SP-FOOD-01' });
    const delegate = (actor: typeof foodDivision, inspectors: string[], reason?: string) => task.executeUpdate(delegationUpdate, { args: [{ actor, inspectors, ...(reason && { reason }) }] });
    expect(await refused(delegate(foodDivision, named))).toBe(FailureType.Forbidden);
    expect(await delegate(foodDivisionAdmin, named)).toMatchObject({ status: 'awaiting-claim', delegatedTo: named });
    expect(await refused(delegate(foodDivisionAdmin, ['LYG-SJJ-ZF01', 'LYG-SJJ-ZF02']))).toBe(FailureType.Invalid); // no reason

    expect(await refused(task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] }))).toBe(FailureType.Forbidden);
    await task.executeUpdate(claimUpdate, { args: [{ actor: officer(named[0]!) }] });
    await inspectionOpened(task, taskId);
    const now = () => env.currentTimeMs().then((ms) => new Date(ms).toISOString());
    await task.executeUpdate(inspectionUpdate, { args: [{ actor: officer(named[1]!), finishedAt: await now(), findings: '现场检查' }] });
    const ordered = await task.executeUpdate(feedbackUpdate, { args: [{ actor: officer(named[0]!), result: 'rectification', note: '限期整改', rectificationDeadline: new Date(Date.parse(await now()) + 2 * 86_400_000).toISOString() }] });
    await env.sleep(Date.parse(ordered.rectificationDueAt!) - (await env.currentTimeMs()) + 60_000);
    await waitFor(async () => (await task.query(taskStateQuery)).status === 'awaiting-reinspection');

    // Another round: a fresh run, carrying the delegation.
    const firstRunId = (await task.describe()).runId;
    await task.executeUpdate(reinspectionUpdate, { args: [{ actor: officer(named[1]!), rectified: false, note: '部分整改', rectificationDeadline: new Date(Date.parse(await now()) + 3 * 86_400_000).toISOString() }] });
    await waitFor(async () => (await task.describe()).runId !== firstRunId);
    expect(await task.query(taskStateQuery)).toMatchObject({ round: 2, delegatedTo: named });
    expect(await refused(task.executeUpdate(reinspectionUpdate, { args: [{ actor: foodDivision, rectified: true, note: '已整改' }] }))).toBe(FailureType.Forbidden);
    expect(await task.executeUpdate(reinspectionUpdate, { args: [{ actor: foodDivisionAdmin, rectified: true, note: '已整改到位' }] })).toMatchObject({ status: 'closed', outcome: 'rectified' });
    // Closed: refused by the validator while the run still ends, or by the server once it has ended (the API's 409 either way).
    const late = await delegate(foodDivisionAdmin, ['LYG-SJJ-ZF02', 'LYG-SJJ-ZF03'], '改派').then(() => 'accepted', (e: unknown) => (e instanceof WorkflowNotFoundError ? 'ended' : refusalType(e)));
    expect([FailureType.InvalidState, 'ended']).toContain(late);
  });

  it('refuses a random-inspection task: its officers are the drawn ones', async () => {
    // One drawn target of a plan of the rehearsal region's market regulator, opened as the draw does.
    const { db } = database();
    const tag = uniqueId('DR').replace(/-/g, '').toUpperCase();
    const M = DEMO.training.market;
    const planId = `${M}-${tag}`;
    const now = new Date(await env.currentTimeMs());
    const drawn = [1, 2].map((n) => `${M}-${tag}-${n}`);
    await db.insert(inspectors).values(drawn.map((id, n) => ({ id, departmentCode: M, divisionCode: DEMO.training.marketFoodDivision, name: `执法员${n}`, certificateNo: `${tag}${n}`.slice(-20), certificateValidFrom: '2024-01-01', certificateValidUntil: '2030-12-31', items: ['TR-JG-FOOD-01'], updatedBy: 'test' })));
    await db.insert(inspectionPlans).values({ planId, name: '演练', regionCode: 'TRAIN-320700', leadDepartmentCode: M, departments: [M], items: ['TR-JG-FOOD-01'], filter: {}, shares: {}, inspectorsPerTarget: 2, periodStart: dateOf(shanghaiDayOf(now)), periodEnd: dateOf(shanghaiDayOf(now) + 10), publicationDays: 20, status: 'drawn', createdBy: trainingFoodDivision });
    await db.insert(inspectionDraws).values({ drawId: planId, planId, algorithm: 'sg-draw-v1', seed: '0'.repeat(64), snapshot: 'test', snapshotHash: '0'.repeat(64), populationSize: 1, status: 'drawn', snapshotAt: now, drawnAt: now });
    await db.insert(drawTargets).values({ drawId: planId, creditCode: testCreditCode(3, String(100000 + Math.floor(Math.random() * 899999))), ordinal: 1, creditGrade: 'C', riskGrade: 'medium', items: ['TR-JG-FOOD-01'], inspectorIds: drawn });
    const { tasks: [input] } = await openInspectionTasks(testDeps(database(), { temporal: env.client }), { drawId: planId, parentWorkflowId: 'test', after: 0 });
    const task = await env.client.workflow.start('supervisionTask', { taskQueue, workflowId: input!.taskId, args: [input!] });
    await waitFor(async () => (await db.select().from(tasks).where(eq(tasks.taskId, input!.taskId))).length === 1);
    const admin = { ...trainingFoodDivision, divisionAdmin: true };
    expect(await refused(task.executeUpdate(delegationUpdate, { args: [{ actor: admin, inspectors: drawn }] }))).toBe(FailureType.InvalidState);
    await task.terminate('test done');
  });
});
