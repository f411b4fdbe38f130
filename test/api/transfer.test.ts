// 移交 (issue #28 item 6): an arbiter settles a reassignment of a linkage while a task of it
// runs; the old task ends `transferred`, a new task under the new department is pushed with its
// own claim window and SMS and is claimable there, both are on the trail, and the case closes
// when the new task's result comes back.
import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { auditEvents, notifications, tasks } from '../../db/schema/index.js';
import { caseWorkflowId } from '../../workflows/contracts.js';
import { applicationNoOf, database, waitForValue, freshCreditCode, keepHistory, testConfig, uniqueId, DEMO } from '../helpers.js';
import { withCallers, ok } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('transfer-tq') });

const people = {
  approver: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  food: { sub: 'supervision:lyg-sjj-spjy', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
  health: { sub: 'supervision:lyg-wjw-ggws', role: 'supervision', department: DEMO.health, division: DEMO.healthDivision },
  arbiter: { sub: 'arbiter:bianban', role: 'arbiter', region: DEMO.region },
} satisfies Record<string, Principal>;
const { call, harness } = withCallers(config, people);
const noticeSent = (taskId: string) => waitForValue(`claim notice of ${taskId}`, async () => (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-notice`))).length === 1);
const taskRow = async (taskId: string) => (await database().db.select().from(tasks).where(eq(tasks.taskId, taskId)))[0];
const steps = (applicationNo: string, kind: string) => database().db.select().from(auditEvents).where(and(eq(auditEvents.applicationNo, applicationNo), eq(auditEvents.kind, kind)));

describe('a reassignment settled while a task runs', () => {
  it('closes the old task as transferred and pushes a claimable task to the new department, both on the trail', async () => {
    // An item of LYG-SPJ linked to the market regulator's food division.
    const itemCode = uniqueId('XFER-ITEM');
    await ok(await call('POST', '/v1/approval-items', 'approver', { code: itemCode, name: '移交测试事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, statutoryDays: 10 }), 201);
    const linkage = (await ok(await call('POST', '/v1/linkages', 'approver', { approvalItemCode: itemCode, supervisionDepartmentCode: DEMO.market }), 201)).id as number;
    await ok(await call('POST', `/v1/linkages/${linkage}/confirm`, 'food', { supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision }));

    const applicationNo = applicationNoOf('XFER');
    await ok(await call('POST', '/v1/applications', 'approver', { applicationNo, itemCode, applicant: { creditCode: freshCreditCode(), name: '移交测试有限公司', phone: '13700000051' }, materials: ['申请书'] }), 201);
    await ok(await call('POST', `/v1/applications/${applicationNo}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' }));
    const oldTask = `task-${applicationNo}.${DEMO.market}`;
    const newTask = `task-${applicationNo}.${DEMO.health}`;
    await noticeSent(oldTask);
    await ok(await call('POST', `/v1/tasks/${oldTask}/claim`, 'food'));

    // The market regulator disputes it; the arbiter assigns it to the health commission's division.
    await ok(await call('POST', `/v1/linkages/${linkage}/dispute`, 'food', { reason: '该事项属卫生健康部门监管' }));
    const settled = await ok(await call('POST', `/v1/linkages/${linkage}/settle`, 'arbiter', { decision: 'assign', departmentCode: DEMO.health, supervisionItemCode: 'JG-PUBHEALTH-01', divisionCode: DEMO.healthDivision, note: '编办裁定：由卫健委监管' }));
    expect(settled).toMatchObject({ status: 'confirmed', supervisionDepartmentCode: DEMO.health });

    // The old task ends transferred; the new one is pushed with its own claim window and SMS.
    await waitForValue('old task transferred', async () => (await taskRow(oldTask))?.outcome === 'transferred');
    expect(await taskRow(oldTask)).toMatchObject({ status: 'closed', outcome: 'transferred' });
    await noticeSent(newTask);
    const pushed = await taskRow(newTask);
    expect(pushed).toMatchObject({ status: 'awaiting-claim', departmentCode: DEMO.health, divisionCode: DEMO.healthDivision, supervisionItemCode: 'JG-PUBHEALTH-01' });
    expect(pushed!.claimDueAt.getTime()).toBeGreaterThan(Date.now());

    // Claimable there, not by the old division any more.
    expect((await call('POST', `/v1/tasks/${oldTask}/inspection`, 'food', { finishedAt: new Date().toISOString(), findings: '现场检查' })).statusCode).toBe(409);
    expect(await ok(await call('POST', `/v1/tasks/${newTask}/claim`, 'health'))).toMatchObject({ status: 'claimed', claimedBy: people.health.sub });

    // Both on the trail, with the arbiter as the actor.
    const [moved] = await steps(applicationNo, 'task-transferred');
    expect(moved).toMatchObject({ taskId: oldTask, actor: { role: 'arbiter', sub: people.arbiter.sub }, detail: { linkageId: linkage, toTaskId: newTask, toDepartment: DEMO.health } });
    const [closed] = await steps(applicationNo, 'task-closed-transferred');
    expect(closed).toMatchObject({ taskId: oldTask, detail: { toTaskId: newTask } });
    const events = await ok(await call('GET', `/v1/applications/${applicationNo}/events`, 'approver'));
    const kinds = events.items.map((e: { kind: string; taskId?: string | null }) => `${e.kind}:${e.taskId ?? ''}`);
    expect(kinds).toEqual(expect.arrayContaining([`task-transferred:${oldTask}`, `task-closed-transferred:${oldTask}`, `task-pushed:${newTask}`, `task-claimed:${newTask}`]));
    // No result of the old task reaches the approval side; the new one's does, and closes the case.
    expect(await steps(applicationNo, 'result-received')).toHaveLength(0);
    await ok(await call('POST', `/v1/tasks/${newTask}/inspection`, 'health', { finishedAt: new Date().toISOString(), findings: '现场检查，符合要求' }));
    await ok(await call('POST', `/v1/tasks/${newTask}/feedback`, 'health', { result: 'compliant', note: '符合要求' }));
    await waitForValue('case closed', async () => (await call('GET', `/v1/applications/${applicationNo}`, 'approver')).json().stage === 'closed');
    const received = await steps(applicationNo, 'result-received');
    expect(received.map((e) => e.taskId)).toEqual([newTask]);
    // The transfer's shape, kept for the replay test (RECORD_HISTORIES=1).
    await keepHistory('approvalCase/transferred', harness().client.workflow.getHandle(caseWorkflowId(applicationNo)));
    await keepHistory('supervisionTask/transferred', harness().client.workflow.getHandle(oldTask));
  });
});
