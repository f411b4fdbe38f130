// 市县分工 for a running case (docs/case-forward.md): an application received by the city's
// approval bureau whose power the division of powers gives to the county is forwarded there
// before its decision — its department and region move (read model, search attributes, scope),
// each hop on its trail — and decided there. Refusals: after the decision, to the same
// department, by a department that does not hold it, past the hop limit, a bad target.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, cases, notifications } from '../../db/schema/index.js';
import { SgDepartment, SgRegion } from '../../workflows/domain/search-attributes.js';
import { MAX_CASE_HOPS } from '../../workflows/contracts.js';
import { DEMO, applicationNoOf, database, freshCreditCode, keepHistory, testConfig, uniqueId, waitForValue } from '../helpers.js';
import { ok, withCallers } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('case-forward-tq') });
const { call, app, harness } = withCallers(config, {
  lyg: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  haizhou: { sub: 'approval:hz-spj', role: 'approval', department: 'HZ-SPJ' },
  food: { sub: 'supervision:food', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
});
const db = () => database().db;

/** A case of SP-FOOD-01 at LYG-SPJ, awaiting its decision. */
async function caseAwaitingDecision(): Promise<string> {
  const applicationNo = applicationNoOf('FWD');
  await ok(await call('POST', '/v1/applications', 'lyg', { applicationNo, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '海州示例食品店', phone: '13700000071' }, materials: ['食品经营许可申请书'] }), 201);
  await waitForValue('awaiting the decision', async () => (await call('GET', `/v1/applications/${applicationNo}`, 'lyg')).json().stage === 'awaiting-decision');
  return applicationNo;
}

const forwards = async (no: string) => (await db().select().from(auditEvents).where(eq(auditEvents.applicationNo, no)).orderBy(auditEvents.id)).filter((e) => e.kind === 'case-forwarded');

describe('市县分工: a case forwarded to the level that holds the power', () => {
  it('moves by the division of powers to the county, which alone then sees and decides it', async () => {
    const no = await caseAwaitingDecision();
    const moved = await ok(await call('POST', `/v1/applications/${no}/forward`, 'lyg', { districtCode: '320706' }));
    expect(moved).toEqual({ applicationNo: no, stage: 'awaiting-decision', departmentCode: 'HZ-SPJ', regionCode: '320706', hops: 1 });

    const [row] = await db().select().from(cases).where(eq(cases.applicationNo, no));
    expect(row).toMatchObject({ approvalDepartmentCode: 'HZ-SPJ', regionCode: '320706', itemCode: 'SP-FOOD-01', stage: 'awaiting-decision' });
    const attrs = (await app().temporal.workflow.getHandle(row!.workflowId).describe()).typedSearchAttributes;
    expect([attrs.get(SgDepartment), attrs.get(SgRegion)]).toEqual(['HZ-SPJ', '320706']);

    // Scope follows the case: the city bureau no longer sees or acts on it; the county does.
    expect((await call('GET', `/v1/applications/${no}`, 'lyg')).statusCode).toBe(403);
    expect((await call('POST', `/v1/applications/${no}/decision`, 'lyg', { outcome: 'approve', opinion: '准予许可' })).statusCode).toBe(403);
    await ok(await call('GET', `/v1/applications/${no}`, 'haizhou'));
    const worklist = await ok(await call('GET', '/v1/applications?limit=200', 'haizhou'));
    expect(worklist.items.map((c: { applicationNo: string }) => c.applicationNo)).toContain(no);

    const [hop] = await forwards(no);
    expect(hop).toMatchObject({ eventKey: `${no}:forwarded:1`, actor: { sub: 'approval:lyg-spj' } });
    expect(hop!.summary).toMatch(/from LYG-SPJ to HZ-SPJ by the division of powers \(市县分工, county level\): 市县分工 \(v1\): the county level holds SP-FOOD-01 for 320706/);
    expect(hop!.detail).toMatchObject({ hop: 1, from: DEMO.approvalDepartment, to: 'HZ-SPJ', by: 'division-of-powers', level: 'county', holderItemCode: 'HZ-FOOD-01' });

    // The county's head is told once, by SMS, that the case came in.
    const told = await waitForValue('the county head told', async () => {
      const [n] = await db().select().from(notifications).where(eq(notifications.businessKey, `${no}:forwarded:1`));
      return n && n.status !== 'pending' ? n : undefined;
    });
    expect(told).toMatchObject({ template: 'case-forwarded', status: 'sent' });
    expect(told.body).toContain(`案件${no}`);
    expect(told.body).toContain('由LYG-SPJ转来');

    // The county holds it now: the division of powers has nowhere further to send it.
    const again = await call('POST', `/v1/applications/${no}/forward`, 'haizhou', { districtCode: '320706' });
    expect(again.statusCode, again.body).toBe(422);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.json().detail).toMatch(/held by HZ-SPJ, the case's own department/);
    expect((await call('POST', `/v1/applications/${no}/forward`, 'haizhou', { toDepartment: 'HZ-SPJ', reason: '自己' })).statusCode).toBe(422);

    await ok(await call('POST', `/v1/applications/${no}/decision`, 'haizhou', { outcome: 'approve', opinion: '准予许可' }));
    // After the decision the case stays where it was decided.
    const late = await call('POST', `/v1/applications/${no}/forward`, 'haizhou', { toDepartment: DEMO.approvalDepartment, reason: '退回' });
    expect(late.statusCode, late.body).toBe(409);
    expect(await forwards(no)).toHaveLength(1);
    // The forward's shape, kept for the replay test (RECORD_HISTORIES=1), once the county's licence pushed the task.
    await waitForValue('supervising', async () => (await call('GET', `/v1/applications/${no}`, 'haizhou')).json().stage === 'supervising');
    await keepHistory('approvalCase/forwarded-by-division-of-powers', harness().client.workflow.getHandle(row!.workflowId));
  });

  it('is forwarded by hand with a reason, and back, up to the hop limit', async () => {
    const no = await caseAwaitingDecision();
    const names = ['lyg', 'haizhou'] as const;
    const departments = [DEMO.approvalDepartment, 'HZ-SPJ'];
    for (let hop = 1; hop <= MAX_CASE_HOPS; hop++) {
      const from = names[(hop - 1) % 2]!;
      const r = await ok(await call('POST', `/v1/applications/${no}/forward`, from, { toDepartment: departments[hop % 2], reason: `第${hop}次转办` }));
      expect(r).toMatchObject({ departmentCode: departments[hop % 2], hops: hop });
    }
    const over = await call('POST', `/v1/applications/${no}/forward`, 'lyg', { toDepartment: 'HZ-SPJ', reason: '再次转办' });
    expect(over.statusCode, over.body).toBe(409);
    expect(over.json().detail).toMatch(/forwarded 8 times: settle it through the coordinating office/);
    const hops = await forwards(no);
    expect(hops.map((e) => [e.detail.from, e.detail.to, e.detail.by])).toEqual(Array.from({ length: MAX_CASE_HOPS }, (_, i) => [departments[i % 2], departments[(i + 1) % 2], 'manual']));
    expect(hops[0]!.summary).toMatch(/by approval:lyg-spj: 第1次转办/);
    const [row] = await db().select().from(cases).where(eq(cases.applicationNo, no));
    expect(row).toMatchObject({ approvalDepartmentCode: DEMO.approvalDepartment, regionCode: DEMO.region });
  });

  it('refuses a bad body, a bad target, and a department that does not hold the case, changing nothing', async () => {
    const no = await caseAwaitingDecision();
    const refusals: Array<[string, Record<string, unknown>, number]> = [
      ['lyg', { toDepartment: 'HZ-SPJ' }, 400], // by hand without a reason
      ['lyg', { toDepartment: 'HZ-SPJ', districtCode: '320706', reason: 'x' }, 400],
      ['lyg', { toDepartment: 'NO-SUCH-DEPT', reason: 'x' }, 422],
      ['lyg', { toDepartment: DEMO.market, reason: '监管部门' }, 422], // a supervision department
      ['lyg', {}, 422], // no entry for SP-FOOD-01 in the city itself
      ['haizhou', { toDepartment: DEMO.approvalDepartment, reason: 'x' }, 403],
      ['food', { districtCode: '320706' }, 403],
    ];
    for (const [who, body, status] of refusals) {
      const r = await call('POST', `/v1/applications/${no}/forward`, who as 'lyg', body);
      expect(r.statusCode, `${who} ${JSON.stringify(body)}: ${r.body}`).toBe(status);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(await forwards(no)).toHaveLength(0);
    const [row] = await db().select().from(cases).where(eq(cases.applicationNo, no));
    expect(row!.approvalDepartmentCode).toBe(DEMO.approvalDepartment);
  });
});
