// 委派 (issue #27 item 3, docs/delegation.md) on the real stack: the food division's admin names
// two certified officers for an ordinary (approval) task; only they and the admin claim, inspect
// and feed back; a re-delegation replaces them with its reason; every delegation is on the trail;
// an ordinary officer, another division, another department are refused; an officer expired,
// recused (回避), of another department or alone (行政处罚法 art. 42) is refused by name; bad input
// changes nothing; names are masked outside the department and never reach Temporal.
import { beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { auditEvents, inspectorConflicts, inspectors, notifications, taskDelegations, tasks } from '../../db/schema/index.js';
import { applicationNoOf, database, foodDivision, foodDivisionAdmin, freshCreditCode, keepHistory, testConfig, texts, uniqueId, waitForValue, DEMO } from '../helpers.js';
import { ok, withCallers } from './harness.js';

const tag = uniqueId('DG').replace(/-/g, '').toUpperCase();
const M = DEMO.market;
const FOOD = DEMO.marketFoodDivision;
const officer = (n: number) => `${M}-${tag}-${n}`;
const NAMES = ['委派甲', '委派乙', '委派丙', '委派丁', '委派戊'];
const asOfficer = (n: number): Principal => ({ sub: officer(n), role: 'supervision', department: M, division: FOOD });
const people = {
  admin: foodDivisionAdmin,
  food: foodDivision,
  o1: asOfficer(1),
  o2: asOfficer(2),
  o3: asOfficer(3),
  approver: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  equipmentAdmin: { sub: 'supervision:tzsb-admin', role: 'supervision', department: M, division: 'LYG-SJJ-TZSB', divisionAdmin: true },
  trainingAdmin: { sub: 'supervision:training-food-admin', role: 'supervision', department: DEMO.training.market, division: DEMO.training.marketFoodDivision, divisionAdmin: true },
  healthAdmin: { sub: 'supervision:health-admin', role: 'supervision', department: DEMO.health, division: DEMO.healthDivision, divisionAdmin: true },
  marketHead: { sub: 'supervision:lyg-sjj-head', role: 'supervision', department: M },
  operator: { sub: 'operator:ops', role: 'operator' },
  platform: { sub: 'platform:market-supervision', role: 'platform', platform: 'market-supervision', region: DEMO.region, department: M },
} satisfies Record<string, Principal>;
const { call, harness } = withCallers(testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('delegation-tq') }), people);
const db = () => database().db;
const creditCode = freshCreditCode();

beforeAll(async () => {
  // 1–3 certified; 4 expired; 5 recused from the applicant.
  await db().insert(inspectors).values(NAMES.map((name, i) => ({ id: officer(i + 1), departmentCode: M, divisionCode: FOOD, name, certificateNo: `${tag}${i + 1}`.slice(-20), certificateValidFrom: '2024-01-01', certificateValidUntil: i === 3 ? '2025-12-31' : '2030-12-31', items: ['JG-FOOD-01'], updatedBy: 'test' })));
  await db().insert(inspectorConflicts).values({ inspectorId: officer(5), creditCode, reason: '近亲属任职（测试）', recordedBy: { sub: 'test', role: 'system' } });
});

const delegations = (taskId: string) => db().select().from(taskDelegations).where(eq(taskDelegations.taskId, taskId)).orderBy(taskDelegations.seq);
const trail = (taskId: string) => db().select().from(auditEvents).where(and(eq(auditEvents.taskId, taskId), eq(auditEvents.kind, 'task-delegated'))).orderBy(auditEvents.id);
const delegate = (taskId: string, who: keyof typeof people, body: unknown) => call('POST', `/v1/tasks/${taskId}/delegation`, who, body);

async function approvedTask(): Promise<string> {
  const applicationNo = applicationNoOf('DLG');
  await ok(await call('POST', '/v1/applications', 'approver', { applicationNo, itemCode: 'SP-FOOD-01', applicant: { creditCode, name: '委派测试食品有限公司', phone: '13700000061' }, materials: ['食品经营许可申请书'] }), 201);
  await ok(await call('POST', `/v1/applications/${applicationNo}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' }));
  const taskId = `task-${applicationNo}.${M}`;
  await waitForValue(`claim notice of ${taskId}`, async () => (await db().select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-notice`))).length === 1);
  return taskId;
}

describe('委派: a division admin delegates an ordinary task to named officers', () => {
  it('refuses the wrong callers and officers, changing nothing; then only the named officers and the admin act, a re-delegation on the trail', async () => {
    const taskId = await approvedTask();
    const two = { inspectors: [officer(1), officer(2)] };

    // Callers: an ordinary officer of the division, a department head, another division's or
    // department's admin, the approval side; a task that does not exist.
    expect((await ok(await delegate(taskId, 'food', two), 403)).detail).toMatch(/only the division admin/);
    await ok(await delegate(taskId, 'marketHead', two), 403);
    await ok(await delegate(taskId, 'equipmentAdmin', two), 403);
    await ok(await delegate(taskId, 'healthAdmin', two), 403);
    await ok(await delegate(taskId, 'trainingAdmin', two), 403); // another region's (the rehearsal region's) admin
    await ok(await delegate(taskId, 'approver', two), 403);
    await ok(await delegate(`task-${uniqueId('NOPE')}.${M}`, 'admin', two), 404);

    // Bad input: 400; officers who cannot take it: 422, each named.
    for (const bad of [{}, { inspectors: [] }, { inspectors: 'x' }, { ...two, extra: 1 }, { inspectors: ['bad id!'] }]) await ok(await delegate(taskId, 'admin', bad), 400);
    expect((await ok(await delegate(taskId, 'admin', { inspectors: [officer(1)] }), 422)).detail).toMatch(/at least 2 \(行政处罚法 art\. 42\)/);
    expect((await ok(await delegate(taskId, 'admin', { inspectors: [officer(1), officer(4)] }), 422)).detail).toMatch(new RegExp(`${officer(4)}: law-enforcement certificate valid 2024-01-01 to 2025-12-31`));
    expect((await ok(await delegate(taskId, 'admin', { inspectors: [officer(1), officer(5)] }), 422)).detail).toMatch(new RegExp(`${officer(5)}: recused \\(回避\\) from ${creditCode}`));
    expect((await ok(await delegate(taskId, 'admin', { inspectors: [officer(1), 'LYG-WJW-ZF01'] }), 422)).detail).toMatch(/LYG-WJW-ZF01: an officer of LYG-WJW/);
    expect((await ok(await delegate(taskId, 'admin', { inspectors: [officer(1), `${M}-NOBODY-${tag}`] }), 422)).detail).toMatch(/not in the inspector directory/);
    expect((await ok(await delegate(taskId, 'admin', { inspectors: [officer(1), officer(1)] }), 422)).detail).toMatch(/twice/);
    expect(await delegations(taskId)).toEqual([]);
    expect(await trail(taskId)).toEqual([]);
    expect((await ok(await call('GET', `/v1/tasks/${taskId}`, 'food'))).delegation).toBeNull();

    // The delegation: names in clear to the department, on the trail, ids only.
    const first = await ok(await delegate(taskId, 'admin', two));
    expect(first.delegation).toMatchObject({ seq: 1, inspectors: [{ id: officer(1), name: NAMES[0] }, { id: officer(2), name: NAMES[1] }], reason: null, delegatedBy: { sub: people.admin.sub, divisionAdmin: true } });
    expect(await ok(await delegate(taskId, 'admin', { inspectors: [officer(2), officer(1)] }))).toMatchObject({ delegation: { seq: 1 } }); // the same again: nothing new
    expect(await trail(taskId)).toHaveLength(1);

    // Only the named officers (and the admin) act: the division's other staff get 403.
    expect((await ok(await call('POST', `/v1/tasks/${taskId}/claim`, 'food'), 403)).detail).toMatch(/delegated \(委派\): only/);
    await ok(await call('POST', `/v1/tasks/${taskId}/claim`, 'o3'), 403);
    expect(await ok(await call('POST', `/v1/tasks/${taskId}/claim`, 'o1'))).toMatchObject({ status: 'claimed', claimedBy: officer(1) });
    // Another platform's result is not the named officers' either.
    const external = { recordId: `ZFJD-${tag}`, finishedAt: new Date().toISOString(), findings: '执法检查', result: 'compliant', note: '' };
    expect((await ok(await call('POST', `/v1/tasks/${taskId}/external-result`, 'platform', external), 403)).detail).toMatch(/delegated/);

    // Re-delegation: a reason is required; then the new names replace the old.
    expect((await ok(await delegate(taskId, 'admin', { inspectors: [officer(2), officer(3)] }), 422)).detail).toMatch(/re-delegation gives its reason/);
    const reason = '王某出差，改派';
    expect((await ok(await delegate(taskId, 'admin', { inspectors: [officer(2), officer(3)], reason }))).delegation).toMatchObject({ seq: 2, reason, inspectors: [{ id: officer(2) }, { id: officer(3) }] });
    const finished = { finishedAt: new Date().toISOString(), findings: '现场检查' };
    await ok(await call('POST', `/v1/tasks/${taskId}/inspection`, 'o1', finished), 403);
    await ok(await call('POST', `/v1/tasks/${taskId}/inspection`, 'o3', finished));
    await ok(await call('POST', `/v1/tasks/${taskId}/feedback`, 'food', { result: 'compliant', note: '' }), 403);
    expect(await ok(await call('POST', `/v1/tasks/${taskId}/feedback`, 'admin', { result: 'compliant', note: '符合要求' }))).toMatchObject({ status: 'closed', outcome: 'compliant' });

    // Closed: nothing left to delegate.
    await ok(await delegate(taskId, 'admin', { inspectors: [officer(1), officer(3)], reason: '再改' }), 409);

    // The record: both delegations, the second with what it replaced and why.
    expect((await delegations(taskId)).map((d) => [d.seq, d.inspectorIds, d.reason])).toEqual([[1, [officer(1), officer(2)], null], [2, [officer(2), officer(3)], reason]]);
    const steps = await trail(taskId);
    expect(steps.map((s) => s.summary)).toEqual([`delegated (委派) to ${officer(1)}, ${officer(2)}`, `re-delegated (委派 #2) to ${officer(2)}, ${officer(3)}, replacing ${officer(1)}, ${officer(2)}: ${reason}`]);
    expect(steps.every((s) => s.actor?.sub === people.admin.sub)).toBe(true);

    // Outside the department the names are masked; Temporal never saw a name.
    const seen = await ok(await call('GET', `/v1/tasks/${taskId}`, 'operator'));
    expect(seen.delegation.inspectors).toEqual([{ id: officer(2), name: '委**' }, { id: officer(3), name: '委**' }]);
    expect((await ok(await call('GET', `/v1/tasks/${taskId}`, 'food'))).delegation.inspectors.map((i: { name: string }) => i.name)).toEqual([NAMES[1], NAMES[2]]);
    const handle = harness().client.workflow.getHandle(taskId);
    const history = texts(await handle.fetchHistory()).join('\n');
    for (const name of NAMES) expect(history).not.toContain(name);
    expect((await db().select().from(tasks).where(eq(tasks.taskId, taskId)))[0]).toMatchObject({ status: 'closed', claimedBy: officer(1) });
    await keepHistory('supervisionTask/delegated-redelegated-compliant', handle);
  });

});
