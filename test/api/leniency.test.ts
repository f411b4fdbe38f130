// 包容免罚 (issue #28 item 4, seed 001) end to end on the real stack: a region's inclusive list
// written one entry at a time and in bulk (all or nothing, bad rows named, the caller's scope);
// a first, minor, harmless offence corrected in time is recorded "no penalty, corrected" with
// the entry named — on the trail, in the credit record and the portrait — while the same
// entity's second offence, though corrected, is still penalised; first offence comes from the
// record, whatever the caller says.
import { describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { auditEvents, catalogChanges, creditRecords, leniencyAssessments, leniencyEntries, listEntryVersions, notifications } from '../../db/schema/index.js';
import { applicationNoOf, database, waitForValue, freshCreditCode, testConfig, uniqueId, DEMO } from '../helpers.js';
import { withCallers, ok } from './harness.js';
import { assessNonCompliance, decidePenalty } from '../../activities/task/leniency.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('leniency-tq') });

const people = {
  approver: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  food: { sub: 'supervision:lyg-sjj-spjy', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
  market: { sub: 'supervision:lyg-sjj-head', role: 'supervision', department: DEMO.market },
  health: { sub: 'supervision:lyg-wjw', role: 'supervision', department: DEMO.health },
  admin: { sub: 'admin:320700', role: 'regional-admin', region: DEMO.region },
  otherAdmin: { sub: 'admin:320100', role: 'regional-admin', region: '320100' },
} satisfies Record<string, Principal>;
const { call, app, tokens } = withCallers(config, people);

const entry = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  regionCode: DEMO.region,
  departmentCode: DEMO.market,
  kind: 'first-offence',
  matter: '未按规定公示食品经营许可证',
  legalBasis: '《中华人民共和国行政处罚法》第三十三条第一款',
  itemCodes: ['SP-FOOD-01'],
  ...extra,
});

/** A food shop's standard case approved, its task claimed and inspected by the food division. */
async function inspectedTask(creditCode: string): Promise<{ applicationNo: string; taskId: string }> {
  const applicationNo = applicationNoOf('BF');
  await ok(await call('POST', '/v1/applications', 'approver', { applicationNo, itemCode: 'SP-FOOD-01', applicant: { creditCode, name: '包容免罚测试食品店', phone: '13700000051' }, materials: ['食品经营许可申请书'] }), 201);
  await ok(await call('POST', `/v1/applications/${applicationNo}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' }));
  const taskId = `task-${applicationNo}.${DEMO.market}`;
  await waitForValue('task pushed', async () => (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-notice`))).length === 1);
  await ok(await call('POST', `/v1/tasks/${taskId}/claim`, 'food'));
  await ok(await call('POST', `/v1/tasks/${taskId}/inspection`, 'food', { finishedAt: new Date(Date.now() - 60_000).toISOString(), findings: '未公示许可证' }));
  return { applicationNo, taskId };
}

/** Non-compliance with the inspector's attested facts, then the re-inspection finding it rectified in the first round. */
async function correctedOffence(taskId: string, entryCode: string) {
  const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const fed = await ok(await call('POST', `/v1/tasks/${taskId}/feedback`, 'food', { result: 'rectification', note: '责令改正', rectificationDeadline: deadline, leniency: { entryCode, minor: true, noHarm: true } }));
  expect(fed).toMatchObject({ status: 'rectifying' });
  return ok(await call('POST', `/v1/tasks/${taskId}/reinspection`, 'food', { rectified: true, note: '已当场改正' }));
}

const steps = (taskId: string, kind: string) => database().db.select().from(auditEvents).where(and(eq(auditEvents.taskId, taskId), eq(auditEvents.kind, kind)));
const resultRecord = (taskId: string) => waitForValue('supervision result on the credit record', async () => (await database().db.select().from(creditRecords).where(eq(creditRecords.businessKey, `${taskId}:credit:result`)))[0]);

describe('the inclusive list (包容免罚清单)', () => {
  it('a department writes an entry of its own, versioned; a repeal keeps it; another region or department may not', async () => {
    const code = uniqueId('T-BF');
    expect(await ok(await call('POST', '/v1/leniency-entries', 'market', entry(code)), 201)).toEqual({ code, version: 1 });
    expect(await ok(await call('POST', '/v1/leniency-entries', 'admin', entry(code, { matter: '未按规定公示健康证明' })))).toEqual({ code, version: 2 });
    const read = await ok(await call('GET', `/v1/leniency-entries/${code}`, 'health'));
    expect(read).toMatchObject({ code, version: 2, matter: '未按规定公示健康证明', conditions: ['first-offence', 'minor', 'corrected-in-time', 'no-harm'], repealedAt: null });

    // Not the caller's: another department's entry, another region's admin (403, naming why); nothing written.
    for (const who of ['health', 'otherAdmin'] as const) {
      const r = await call('POST', '/v1/leniency-entries', who, entry(code, { matter: '越权' }));
      expect(r.statusCode, r.body).toBe(403);
    }
    // Nor take it over by naming itself.
    const takeover = await call('POST', '/v1/leniency-entries', 'health', entry(code, { departmentCode: DEMO.health }));
    expect(takeover.statusCode, takeover.body).toBe(403);
    expect(takeover.json().detail).toMatch(new RegExp(`${code} exists and belongs to department ${DEMO.market}`));
    // Bad facts: 422 with every problem named.
    const bad = await call('POST', '/v1/leniency-entries', 'market', entry(code, { itemCodes: ['NO-SUCH-ITEM'], departmentCode: DEMO.approvalDepartment }));
    expect(bad.statusCode, bad.body).toBe(422);
    expect(bad.json().errors).toEqual(
      expect.arrayContaining([
        { field: 'body.departmentCode', message: expect.stringMatching(/is a approval department; inclusive-list entries .* belong to a department on the supervision side/) },
        { field: 'body.itemCodes', message: 'NO-SUCH-ITEM is neither an approval item nor a supervision item' },
      ]),
    );
    const noCorrection = await call('POST', '/v1/leniency-entries', 'market', entry(code, { conditions: ['first-offence', 'minor'] }));
    expect(noCorrection.statusCode).toBe(400);
    expect(noCorrection.json().detail).toMatch(/corrected-in-time is required/);
    expect((await ok(await call('GET', `/v1/leniency-entries/${code}`, 'admin'))).version).toBe(2);

    expect((await call('DELETE', `/v1/leniency-entries/${code}`, 'health')).statusCode).toBe(403);
    const repealed = await ok(await call('DELETE', `/v1/leniency-entries/${code}`, 'market'));
    expect(repealed).toMatchObject({ code, version: 3 });
    expect((await call('DELETE', `/v1/leniency-entries/${code}`, 'market')).statusCode).toBe(409);
    const listed = (all: string) => call('GET', `/v1/leniency-entries?regionCode=${DEMO.region}${all}`, 'food').then((r) => r.json().items.map((e: { code: string }) => e.code));
    expect(await listed('')).not.toContain(code);
    expect(await listed('&all=true')).toContain(code);
    const versions = await database().db.select().from(listEntryVersions).where(and(eq(listEntryVersions.catalog, 'leniency'), eq(listEntryVersions.code, code)));
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3]);
    const changes = await database().db.select().from(catalogChanges).where(and(eq(catalogChanges.entity, 'leniency-entry'), eq(catalogChanges.entityKey, code)));
    expect(changes.map((c) => c.action)).toEqual(['create', 'update', 'repeal']);
  });

  it('imports all or nothing: a file with a bad row writes nothing and names the row; outside the scope is 403', async () => {
    const [a, b] = [uniqueId('T-BF-A'), uniqueId('T-BF-B')];
    const changesBefore = (await database().db.select({ n: count() }).from(catalogChanges))[0]!.n;
    const bad = await call('POST', '/v1/leniency-entries/import', 'admin', { items: [entry(a), entry(b, { itemCodes: ['SP-FOOD-01', 'NOPE-01'] }), entry(a)] });
    expect(bad.statusCode, bad.body).toBe(422);
    expect(bad.json().detail).toBe('2 of 3 rows rejected; nothing was imported');
    expect(bad.json().errors).toEqual(
      expect.arrayContaining([
        { field: 'items[1].itemCodes', message: 'NOPE-01 is neither an approval item nor a supervision item' },
        { field: 'items[2].code', message: expect.stringMatching(/already in items\[0\]/) },
      ]),
    );
    expect(await database().db.select().from(leniencyEntries).where(eq(leniencyEntries.code, a))).toEqual([]);
    expect((await database().db.select({ n: count() }).from(catalogChanges))[0]!.n).toBe(changesBefore);

    const forbidden = await call('POST', '/v1/leniency-entries/import', 'health', { items: [entry(a)] });
    expect(forbidden.statusCode, forbidden.body).toBe(403);

    const csv = `code,regionCode,departmentCode,kind,matter,legalBasis,conditions,itemCodes\n${a},${DEMO.region},${DEMO.market},first-offence,未公示许可证,《行政处罚法》第三十三条,first-offence;minor;corrected-in-time;no-harm,SP-FOOD-01;JG-FOOD-01\n${b},${DEMO.region},${DEMO.market},minor,未公示健康证明,《行政处罚法》第三十三条,minor;corrected-in-time,SP-FOOD-01\n`;
    const done = await app().inject({ method: 'POST', url: '/v1/leniency-entries/import', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'text/csv' }, payload: csv });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ imported: 2, created: 2, updated: 0 });
    expect(await ok(await call('GET', `/v1/leniency-entries/${b}`, 'food'))).toMatchObject({ kind: 'minor', conditions: ['minor', 'corrected-in-time'], itemCodes: ['SP-FOOD-01'] });
  });
});

describe('a non-compliance against the inclusive list', () => {
  it('a first, minor, harmless offence corrected in time: no penalty, corrected, the entry named; the second offence is penalised', async () => {
    const code = uniqueId('T-BF');
    await ok(await call('POST', '/v1/leniency-entries', 'market', entry(code)), 201);
    const creditCode = freshCreditCode();

    const first = await inspectedTask(creditCode);
    expect(await correctedOffence(first.taskId, code)).toMatchObject({ status: 'closed', outcome: 'rectified' });
    const [assessed] = await steps(first.taskId, 'leniency-assessed');
    expect(assessed).toMatchObject({ detail: { entryCode: code, entryVersion: 1, earlierOffence: null, eligible: true } });
    const [waived] = await steps(first.taskId, 'penalty-waived');
    expect(waived!.summary).toBe(`no penalty, corrected: 包容免罚 entry ${code} v1`);
    expect(await steps(first.taskId, 'penalty-due')).toEqual([]);
    const firstRecord = await resultRecord(first.taskId);
    expect(firstRecord.detail).toMatchObject({ penalty: 'waived', leniencyEntry: code });
    expect(firstRecord.summary).toContain(`no penalty, corrected: 包容免罚 entry ${code}`);
    // An activity retried (at least once): the assessment and the decision stand once, their steps once.
    const actor = { sub: people.food.sub, role: 'supervision' as const };
    await assessNonCompliance(database().db, { taskId: first.taskId, applicationNo: first.applicationNo, cause: 'rectification', leniency: { minor: false, noHarm: false }, actor, at: new Date() });
    await database().db.transaction((tx) => decidePenalty(tx, { taskId: first.taskId, applicationNo: first.applicationNo, round: 2, rectified: false, actor, at: new Date() }));
    expect(await database().db.select().from(leniencyAssessments).where(eq(leniencyAssessments.taskId, first.taskId))).toEqual([expect.objectContaining({ eligible: true, penalty: 'waived' })]);
    expect((await steps(first.taskId, 'leniency-assessed')).length + (await steps(first.taskId, 'penalty-waived')).length + (await steps(first.taskId, 'penalty-due')).length).toBe(2);

    // The same entity again: not a first offence, from the record — though the inspector attests the rest.
    const second = await inspectedTask(creditCode);
    await correctedOffence(second.taskId, code);
    const [a2] = await database().db.select().from(leniencyAssessments).where(eq(leniencyAssessments.taskId, second.taskId));
    expect(a2).toMatchObject({ entryCode: code, earlierOffence: first.taskId, eligible: false, penalty: 'due' });
    const [due] = await steps(second.taskId, 'penalty-due');
    expect(due!.summary).toMatch(new RegExp(`penalty due .*not a first offence \\(earlier non-compliance: ${first.taskId}\\)`));
    expect(await steps(second.taskId, 'penalty-waived')).toEqual([]);
    const record = await resultRecord(second.taskId);
    expect(record.detail).toMatchObject({ penalty: 'due' });
    expect(record.summary).toMatch(/penalty due/);

    const portrait = await ok(await call('GET', `/v1/applicants/${creditCode}`, 'food'));
    expect(portrait.inclusiveList.map((x: { taskId: string; penalty: string }) => [x.taskId, x.penalty])).toEqual([
      [second.taskId, 'due'],
      [first.taskId, 'waived'],
    ]);
  });

  it('not attested minor, or corrected only in a second round, is penalised; an entry that does not fit the task is 422', async () => {
    const code = uniqueId('T-BF');
    await ok(await call('POST', '/v1/leniency-entries', 'market', entry(code)), 201);
    const { taskId } = await inspectedTask(freshCreditCode());
    const otherItem = uniqueId('T-BF-X');
    await ok(await call('POST', '/v1/leniency-entries', 'market', entry(otherItem, { itemCodes: ['JG-MEDDEV-01'] })), 201);
    const misfit = await call('POST', `/v1/tasks/${taskId}/feedback`, 'food', { result: 'rectification', note: '', leniency: { entryCode: otherItem, minor: true, noHarm: true } });
    expect(misfit.statusCode, misfit.body).toBe(422);
    expect(misfit.json().detail).toMatch(/does not cover item SP-FOOD-01/);
    const notWithCompliant = await call('POST', `/v1/tasks/${taskId}/feedback`, 'food', { result: 'compliant', note: '', leniency: { minor: true, noHarm: true } });
    expect(notWithCompliant.statusCode, notWithCompliant.body).toBe(422);
    expect(await steps(taskId, 'feedback')).toEqual([]);

    const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString();
    await ok(await call('POST', `/v1/tasks/${taskId}/feedback`, 'food', { result: 'rectification', note: '', rectificationDeadline: deadline, leniency: { entryCode: code, minor: false, noHarm: true } }));
    await ok(await call('POST', `/v1/tasks/${taskId}/reinspection`, 'food', { rectified: true, note: '' }));
    const [due] = await steps(taskId, 'penalty-due');
    expect(due!.summary).toMatch(/not attested as minor/);

    // Every condition held at the feedback, but the correction came only in the second round: not in time.
    const late = await inspectedTask(freshCreditCode());
    await ok(await call('POST', `/v1/tasks/${late.taskId}/feedback`, 'food', { result: 'rectification', note: '', rectificationDeadline: deadline, leniency: { entryCode: code, minor: true, noHarm: true } }));
    expect(await ok(await call('POST', `/v1/tasks/${late.taskId}/reinspection`, 'food', { rectified: false, note: '未改正', rectificationDeadline: deadline }))).toMatchObject({ status: 'rectifying' });
    // The second round runs in a fresh run of the task (continue-as-new): the read model says when it is there.
    await waitForValue('round 2 ordered', async () => (await steps(late.taskId, 'rectification-ordered')).length === 2);
    await waitForValue('round 2 re-inspected', async () => (await call('POST', `/v1/tasks/${late.taskId}/reinspection`, 'food', { rectified: true, note: '第二轮改正' })).statusCode === 200);
    const [lateDue] = await steps(late.taskId, 'penalty-due');
    expect(lateDue!.summary).toMatch(/rectified only in round 2, not in time/);
  });
});
