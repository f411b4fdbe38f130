// A result recorded on another supervision platform closes the task here once (issue #28 item 5):
// posted twice — one after the other, or at once — it closes the task once and the repeat says it
// is the same result; another body under the same record id is 409; another platform's token,
// one of another region, or a division's token is 403; and the trail records the feedback with
// the platform as its actor and the record id, as it records a division's.
import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { auditEvents, notifications, tasks } from '../../db/schema/index.js';
import { applicationNoOf, database, waitForValue, freshCreditCode, testConfig, uniqueId, DEMO } from '../helpers.js';
import { withCallers, ok } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('external-tq') });

const people = {
  approver: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  food: { sub: 'supervision:lyg-sjj-spjy', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
  // The market-supervision platform of the city, carrying the market regulator's results.
  market: { sub: 'platform:market-supervision', role: 'platform', platform: 'market-supervision', region: DEMO.region, department: DEMO.market },
  // The law-enforcement platform, here carrying the health commission's results only.
  enforcement: { sub: 'platform:law-enforcement', role: 'platform', platform: 'law-enforcement', region: DEMO.region, department: DEMO.health },
  // The provincial 互联网+监管 platform as configured for another city.
  elsewhere: { sub: 'platform:internet-plus-320100', role: 'platform', platform: 'internet-plus-supervision', region: '320100' },
} satisfies Record<string, Principal>;
const { call } = withCallers(config, people);

/** A standard case approved, its task pushed to the food division and claimed there. */
async function claimedTask(): Promise<{ applicationNo: string; taskId: string }> {
  const applicationNo = applicationNoOf('EXT');
  await ok(await call('POST', '/v1/applications', 'approver', { applicationNo, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '外部结果测试食品店', phone: '13700000041' }, materials: ['食品经营许可申请书'] }), 201);
  await ok(await call('POST', `/v1/applications/${applicationNo}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' }));
  const taskId = `task-${applicationNo}.${DEMO.market}`;
  await waitForValue('task pushed', async () => (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-notice`))).length === 1);
  await ok(await call('POST', `/v1/tasks/${taskId}/claim`, 'food'));
  return { applicationNo, taskId };
}

const result = (recordId: string, extra: Record<string, unknown> = {}) => ({ recordId, finishedAt: new Date(Date.now() - 60_000).toISOString(), findings: '执法检查：经营场所与许可一致', result: 'compliant', note: '省市场监管平台记录', ...extra });
const steps = (taskId: string, kind: string) => database().db.select().from(auditEvents).where(and(eq(auditEvents.taskId, taskId), eq(auditEvents.kind, kind)));

describe('a result from another platform', () => {
  it('closes the task once when posted twice; the repeat is the same result, another body under the record id is 409', async () => {
    const { applicationNo, taskId } = await claimedTask();
    const url = `/v1/tasks/${taskId}/external-result`;
    const body = result(uniqueId('SJJG'));

    const first = await ok(await call('POST', url, 'market', body), 201);
    expect(first).toMatchObject({ platform: 'market-supervision', recordId: body.recordId, repeated: false, task: { taskId, status: 'closed', result: 'compliant', outcome: 'compliant' } });

    // The same record again (its instant spelled in another offset): the same result, nothing done twice.
    const again = await ok(await call('POST', url, 'market', { ...body, finishedAt: new Date(body.finishedAt).toISOString().replace('Z', '+00:00') }));
    expect(again).toEqual({ ...first, repeated: true });

    const other = await call('POST', url, 'market', { ...body, result: 'unreachable' });
    expect(other.statusCode, other.body).toBe(409);
    expect(other.json().detail).toMatch(/already received with a different result/);

    // On the trail as a division's inspection and feedback are, with the platform as the actor and its record.
    const [feedback] = await steps(taskId, 'feedback');
    expect(feedback).toMatchObject({ actor: { role: 'platform', platform: 'market-supervision', sub: people.market.sub }, detail: { result: 'compliant', external: { platform: 'market-supervision', recordId: body.recordId } } });
    expect(await steps(taskId, 'feedback')).toHaveLength(1);
    expect(await steps(taskId, 'inspection-finished')).toHaveLength(1);
    expect(await steps(taskId, 'external-result')).toHaveLength(1);
    const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, taskId));
    expect(row).toMatchObject({ status: 'closed', result: 'compliant', findings: body.findings });
    // The approval side receives it as any result (双向推送), and its trail API shows the platform.
    await waitForValue('result received on the case', async () => (await steps(taskId, 'result-received')).length === 1);
    const events = await ok(await call('GET', `/v1/applications/${applicationNo}/events`, 'approver'));
    expect(events.items.find((e: { kind: string }) => e.kind === 'feedback')).toMatchObject({ actor: { role: 'platform', platform: 'market-supervision' } });
  });

  it('posted twice at once: one takes effect, the other answers the same result', async () => {
    const { taskId } = await claimedTask();
    const body = result(uniqueId('SJJG'));
    const answers = await Promise.all([call('POST', `/v1/tasks/${taskId}/external-result`, 'market', body), call('POST', `/v1/tasks/${taskId}/external-result`, 'market', body)]);
    expect(answers.map((a) => a.statusCode).sort(), answers.map((a) => a.body).join('\n')).toEqual([200, 201]);
    expect(answers.map((a) => a.json().repeated).sort()).toEqual([false, true]);
    expect(await steps(taskId, 'feedback')).toHaveLength(1);
  });

  it("is refused to a platform that does not serve the task's department or region, to a division's token, and for bad input — changing nothing", async () => {
    const { taskId } = await claimedTask();
    const url = `/v1/tasks/${taskId}/external-result`;
    const body = result(uniqueId('ZFJD'));
    const enforcement = await call('POST', url, 'enforcement', body);
    expect(enforcement.statusCode, enforcement.body).toBe(403);
    expect(enforcement.json().detail).toMatch(/carries only LYG-WJW's results/);
    const elsewhere = await call('POST', url, 'elsewhere', body);
    expect(elsewhere.statusCode, elsewhere.body).toBe(403);
    expect(elsewhere.json().detail).toMatch(/is in region 320700/);
    const division = await call('POST', url, 'food', body);
    expect(division.statusCode).toBe(403);
    expect(division.json().detail).toMatch(/^role supervision may not/);
    for (const bad of [{ ...body, recordId: '' }, { ...body, result: 'fine' }, { ...body, finishedAt: 'yesterday' }, { ...body, extra: 1 }]) {
      expect((await call('POST', url, 'market', bad)).statusCode).toBe(400);
    }
    expect((await call('POST', `/v1/tasks/task-${applicationNoOf('NOPE')}.${DEMO.market}/external-result`, 'market', body)).statusCode).toBe(404);
    const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, taskId));
    expect(row!.status).toBe('claimed');
    expect(await steps(taskId, 'external-result')).toHaveLength(0);
    // The platform that serves it may still post it.
    expect(await ok(await call('POST', url, 'market', body), 201)).toMatchObject({ repeated: false, task: { status: 'closed' } });
  });
});
