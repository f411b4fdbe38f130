// Catalogs over HTTP with a real worker on the dev server: the linkage lifecycle with dispute
// and settlement, version pinning, the unrouted alert, and who may write what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { and, count, eq } from 'drizzle-orm';
import { type Principal } from '../../api/auth.js';
import { alerts, approvalItemVersions, catalogChanges, linkages, notifications, tasks } from '../../db/schema/index.js';
import { applicationNoOf, approver, database, foodDivision, trainingApprover, trainingHousing, freshCreditCode, testConfig, tokenFor, uniqueId, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

let app: FastifyInstance;
let harness: ApiHarness;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('cat-tq') });
const people = {
  approver,
  food: foodDivision,
  market: { sub: 'supervision:market-head', role: 'supervision', department: DEMO.market } as Principal,
  health: { sub: 'supervision:health', role: 'supervision', department: DEMO.health, division: DEMO.healthDivision } as Principal,
  housing: { sub: 'supervision:housing', role: 'supervision', department: DEMO.housing, division: DEMO.housingDivision } as Principal,
  arbiter: { sub: 'arbiter:bianban', role: 'arbiter', region: '320700' } as Principal,
  admin: { sub: 'admin:320700', role: 'regional-admin', region: '320700' } as Principal,
  otherAdmin: { sub: 'admin:320100', role: 'regional-admin', region: '320100' } as Principal,
  otherApprover: { sub: 'approval:other', role: 'approval', department: 'OTHER-SPJ' } as Principal,
  trainingApprover,
  trainingHousing,
};
const tokens = {} as Record<keyof typeof people, string>;

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  for (const [k, p] of Object.entries(people)) tokens[k as keyof typeof people] = await tokenFor(config, p as Principal);
});
afterAll(() => harness?.stop());

const call = (method: 'GET' | 'POST', url: string, who: keyof typeof people | null, payload?: unknown) =>
  app.inject({ method, url, headers: who ? { authorization: `Bearer ${tokens[who]}` } : {}, payload: payload as never });

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what = 'condition', timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A fresh approval item of the demo approval department, with no linkage yet. */
async function newItem(): Promise<string> {
  const code = uniqueId('ITEM');
  const r = await call('POST', '/v1/approval-items', 'approver', { code, name: '测试事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: '320700', statutoryDays: 10 });
  expect(r.statusCode, r.body).toBe(201);
  return code;
}

async function submitAndApprove(itemCode: string) {
  const applicationNo = applicationNoOf('CAT');
  const created = await call('POST', '/v1/applications', 'approver', { applicationNo, itemCode, applicant: { creditCode: freshCreditCode(), name: '测试企业', phone: '13700000009' } });
  expect(created.statusCode, created.body).toBe(201);
  return applicationNo;
}
const approve = (applicationNo: string) => call('POST', `/v1/applications/${applicationNo}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' });

describe('linkage lifecycle', () => {
  it('proposed by the approving department, confirmed by the supervising one with its sub-item and division', async () => {
    const item = await newItem();
    const proposed = await call('POST', '/v1/linkages', 'approver', { approvalItemCode: item, supervisionDepartmentCode: DEMO.market });
    expect(proposed.statusCode, proposed.body).toBe(201);
    const id = proposed.json().id;
    expect(proposed.json()).toMatchObject({ status: 'proposed', proposedBy: approver.sub });

    // Another supervision department may not confirm it; the named one may, with its own sub-item and division.
    expect((await call('POST', `/v1/linkages/${id}/confirm`, 'health', { supervisionItemCode: 'JG-PUBHEALTH-01', divisionCode: DEMO.healthDivision })).statusCode).toBe(403);
    const wrongDivision = await call('POST', `/v1/linkages/${id}/confirm`, 'market', { supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.healthDivision });
    expect(wrongDivision.statusCode).toBe(422);
    const confirmed = await call('POST', `/v1/linkages/${id}/confirm`, 'market', { supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toMatchObject({ status: 'confirmed', supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision });
    expect((await call('POST', `/v1/linkages/${id}/confirm`, 'market', { supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision })).statusCode).toBe(409);

    const versions = await database().db.select().from(approvalItemVersions).where(eq(approvalItemVersions.itemCode, item));
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
    expect(versions.find((v) => v.version === 2)!.snapshot.linkages).toEqual([{ departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, supervisionItemCode: 'JG-FOOD-01' }]);
    const trail = await database().db.select().from(catalogChanges).where(and(eq(catalogChanges.entity, 'linkage'), eq(catalogChanges.entityKey, String(id))));
    expect(trail.map((c) => [c.action, c.actor.sub])).toEqual([['propose', approver.sub], ['confirm', people.market.sub]]);
  });

  it('disputed by either side and settled by an arbiter, whose settlement is binding', async () => {
    const item = await newItem();
    const id = (await call('POST', '/v1/linkages', 'approver', { approvalItemCode: item, supervisionDepartmentCode: DEMO.health })).json().id;
    expect((await call('POST', `/v1/linkages/${id}/dispute`, 'market', { reason: '不是我们的' })).statusCode).toBe(403);
    const disputed = await call('POST', `/v1/linkages/${id}/dispute`, 'health', { reason: '该事项应由住建部门监管' });
    expect(disputed.statusCode, disputed.body).toBe(200);
    expect(disputed.json()).toMatchObject({ status: 'disputed', disputeReason: '该事项应由住建部门监管' });

    // Only arbiters settle.
    expect((await call('POST', `/v1/linkages/${id}/settle`, 'admin', { decision: 'assign', departmentCode: DEMO.housing, note: 'x' })).statusCode).toBe(403);
    const settled = await call('POST', `/v1/linkages/${id}/settle`, 'arbiter', { decision: 'assign', departmentCode: DEMO.housing, note: '编办裁定：由住建局监管' });
    expect(settled.statusCode, settled.body).toBe(200);
    expect(settled.json()).toMatchObject({ status: 'proposed', supervisionDepartmentCode: DEMO.housing, settledBy: people.arbiter.sub });

    expect((await call('POST', `/v1/linkages/${id}/dispute`, 'housing', { reason: '再议' })).statusCode).toBe(409);
    const confirmed = await call('POST', `/v1/linkages/${id}/confirm`, 'housing', { supervisionItemCode: 'JG-BUILD-01', divisionCode: DEMO.housingDivision });
    expect(confirmed.json().status).toBe('confirmed');

    const other = (await call('POST', '/v1/linkages', 'approver', { approvalItemCode: item, supervisionDepartmentCode: DEMO.market })).json().id;
    await call('POST', `/v1/linkages/${other}/dispute`, 'approver', { reason: '提议有误' });
    const rejected = await call('POST', `/v1/linkages/${other}/settle`, 'arbiter', { decision: 'reject', note: '司法审查：无监管职责' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', settlement: 'reject: 司法审查：无监管职责' });
  });

  it('keeps write routes to their owners', async () => {
    const item = await newItem();
    expect((await call('POST', '/v1/linkages', 'otherApprover', { approvalItemCode: item, supervisionDepartmentCode: DEMO.market })).statusCode).toBe(403);
    expect((await call('POST', '/v1/linkages', 'food', { approvalItemCode: item, supervisionDepartmentCode: DEMO.market })).statusCode).toBe(403);
    expect((await call('POST', '/v1/linkages', null, { approvalItemCode: item, supervisionDepartmentCode: DEMO.market })).statusCode).toBe(401);
    const foreignItem = { code: uniqueId('ITEM'), name: 'x', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: '320700', statutoryDays: 5 };
    expect((await call('POST', '/v1/approval-items', 'otherApprover', foreignItem)).statusCode).toBe(403);
    expect((await call('POST', '/v1/approval-items', 'otherAdmin', foreignItem)).statusCode).toBe(403);
    expect((await call('POST', '/v1/approval-items', 'admin', foreignItem)).statusCode).toBe(201);
    expect((await call('POST', '/v1/supervision-items', 'health', { code: uniqueId('JG'), name: 'x', departmentCode: DEMO.market })).statusCode).toBe(403);
    expect((await call('POST', '/v1/supervision-items', 'market', { code: uniqueId('JG'), name: 'x', departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision })).statusCode).toBe(201);
    expect((await call('POST', '/v1/departments', 'otherAdmin', { code: uniqueId('D'), name: 'x', regionCode: '320700', side: 'supervision' })).statusCode).toBe(403);
    expect((await call('POST', '/v1/departments', 'approver', { code: uniqueId('D'), name: 'x', regionCode: '320700', side: 'supervision' })).statusCode).toBe(403);
    // An approval department's code opens its application numbers: no two may share a space.
    for (const code of [`${DEMO.approvalDepartment}-2`, 'LYG', 'LYG.SPJ2']) {
      const clash = await call('POST', '/v1/departments', 'admin', { code, name: '新审批局', regionCode: '320700', side: 'approval' });
      expect(clash.statusCode, code).toBe(422);
      expect(clash.json().detail).toMatch(code.includes('.') ? /letters, digits, _ and - only/ : /would share its application numbers with LYG-SPJ/);
    }
    expect((await call('POST', '/v1/departments', 'admin', { code: `${DEMO.approvalDepartment}-${uniqueId('S')}`, name: '监管部门', regionCode: '320700', side: 'supervision' })).statusCode).toBe(201);
    const dept = uniqueId('D');
    expect((await call('POST', '/v1/departments', 'admin', { code: dept, name: '新部门', regionCode: '320700', side: 'supervision', headName: '某局长', headPhone: '13900000099' })).statusCode).toBe(201);
    expect((await call('POST', '/v1/divisions', 'otherAdmin', { code: uniqueId('V'), departmentCode: dept, name: 'x', adminName: 'y', adminPhone: '13800000099' })).statusCode).toBe(403);
    expect((await call('POST', '/v1/divisions', 'admin', { code: uniqueId('V'), departmentCode: dept, name: '某处', adminName: '某处长', adminPhone: '13800000099' })).statusCode).toBe(201);
    // No taking over another department's entry by posting its code under one's own department.
    expect((await call('POST', '/v1/supervision-items', 'health', { code: 'JG-FOOD-01', name: '抢占', departmentCode: DEMO.health })).statusCode).toBe(403);
    const badItem = await call('POST', '/v1/approval-items', 'approver', { ...foreignItem, code: uniqueId('ITEM'), commitmentAllowed: true });
    expect(badItem.statusCode).toBe(400);
    expect(badItem.json().detail).toMatch(/commitmentScenarios: commitment approval needs at least one scenario/);
  });
});

describe('routing by catalog version', () => {
  it("a case keeps the item's terms it started with: a new commitment period applies to later cases only", async () => {
    const code = uniqueId('ITEM');
    const item = (commitmentPeriodDays: number) => ({ code, name: '承诺事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: '320700', statutoryDays: 10, commitmentAllowed: true, commitmentScenarios: ['deferred-materials'], commitmentPeriodDays });
    expect((await call('POST', '/v1/approval-items', 'approver', item(20))).statusCode).toBe(201);
    const submit = async () => {
      const no = applicationNoOf('TERMS');
      const r = await call('POST', '/v1/applications', 'approver', { applicationNo: no, itemCode: code, applicant: { creditCode: freshCreditCode(), name: '承诺企业', phone: '13700000009' }, route: 'commitment', commitment: { scenario: 'deferred-materials', deferredMaterials: ['质量管理制度'] } });
      expect(r.statusCode, r.body).toBe(201);
      return no;
    };
    const early = await submit();
    // The catalog changes while the early case awaits its decision.
    expect((await call('POST', '/v1/approval-items', 'approver', item(5))).statusCode).toBe(200);
    const late = await submit();
    for (const no of [early, late]) expect((await approve(no)).statusCode).toBe(200);
    const due = (no: string) =>
      waitFor(async () => ((await call('GET', `/v1/applications/${no}`, 'approver')).json().deadlines as Array<{ kind: string; dueAt: string }>).find((d) => d.kind === 'commitment')?.dueAt ?? null);
    const [earlyDue, lateDue] = [await due(early), await due(late)];
    // Decided a moment apart: 20 working days for the early case, 5 for the late one.
    expect(Date.parse(earlyDue) - Date.parse(lateDue)).toBeGreaterThan(14 * 86_400_000);
    expect((await call('GET', `/v1/applications/${early}`, 'approver')).json().terms).toMatchObject({ policy: 'standard', unit: 'working-day', statutoryDays: 10, commitmentPeriod: 20 });
    expect((await call('GET', `/v1/applications/${late}`, 'approver')).json().terms).toMatchObject({ commitmentPeriod: 5 });
  });

  it('a case keeps the linkages it started with; a later case gets the new ones', async () => {
    const item = await newItem();
    const first = (await call('POST', '/v1/linkages', 'approver', { approvalItemCode: item, supervisionDepartmentCode: DEMO.market })).json().id;
    await call('POST', `/v1/linkages/${first}/confirm`, 'market', { supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision });

    const early = await submitAndApprove(item);
    // The catalog changes while the early case awaits its decision.
    const second = (await call('POST', '/v1/linkages', 'approver', { approvalItemCode: item, supervisionDepartmentCode: DEMO.health })).json().id;
    await call('POST', `/v1/linkages/${second}/confirm`, 'health', { supervisionItemCode: 'JG-PUBHEALTH-01', divisionCode: DEMO.healthDivision });
    const late = await submitAndApprove(item);

    expect((await approve(early)).statusCode).toBe(200);
    expect((await approve(late)).statusCode).toBe(200);
    // Once the push is on the record, every task it names exists within moments.
    const tasksOf = (no: string) => waitFor(async () => {
      const events = (await call('GET', `/v1/applications/${no}/events`, 'approver')).json().items as Array<{ kind: string; detail: { taskIds?: string[] } }>;
      const pushed = events.find((e) => e.kind === 'pushed');
      const r = await call('GET', `/v1/applications/${no}`, 'approver');
      const found = (r.json().tasks as Array<{ departmentCode: string }>).map((t) => t.departmentCode).sort();
      return pushed && found.length === pushed.detail.taskIds!.length ? found : null;
    });
    expect(await tasksOf(early)).toEqual([DEMO.market]);
    expect(await tasksOf(late)).toEqual([DEMO.market, DEMO.health].sort());
    expect((await call('GET', `/v1/applications/${early}`, 'approver')).json().itemVersion).toBe(2);
    expect((await call('GET', `/v1/applications/${late}`, 'approver')).json().itemVersion).toBe(3);
  });
});

describe('unrouted cases (无监管兜底)', () => {
  it('raise an alert to the regional admin and the coordinating office, and route once a linkage is confirmed', async () => {
    const item = await newItem();
    const no = await submitAndApprove(item);
    expect((await approve(no)).statusCode).toBe(200);

    await waitFor(async () => (await call('GET', `/v1/applications/${no}`, 'approver')).json().stage === 'unrouted', 'stage unrouted');
    const open = await waitFor(async () => {
      const items = (await call('GET', '/v1/alerts', 'admin')).json().items as Array<{ applicationNo: string; kind: string; resolvedAt: string | null }>;
      return items.find((a) => a.applicationNo === no);
    }, 'alert listed');
    expect(open).toMatchObject({ kind: 'unrouted', resolvedAt: null });
    expect((await call('GET', '/v1/alerts', 'otherAdmin')).json().items.some((a: { applicationNo: string }) => a.applicationNo === no)).toBe(false);
    const sms = await waitFor(async () => {
      const rows = await database().db.select().from(notifications).where(eq(notifications.applicationNo, no));
      return rows.length === 2 ? rows : null;
    }, 'two alert SMS');
    expect(sms.map((n) => [n.businessKey, n.recipientPhone]).sort()).toEqual([
      [`unrouted:${no}:coordinating-office`, '13900000004'],
      [`unrouted:${no}:regional-admin`, '13900000005'],
    ]);
    const events = (await call('GET', `/v1/applications/${no}/events`, 'approver')).json().items.map((e: { kind: string }) => e.kind);
    expect(events).toContain('unrouted');
    expect(events).toContain('unrouted-alert');

    const id = (await call('POST', '/v1/linkages', 'approver', { approvalItemCode: item, supervisionDepartmentCode: DEMO.market })).json().id;
    await call('POST', `/v1/linkages/${id}/confirm`, 'market', { supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision });

    await waitFor(async () => (await database().db.select({ n: count() }).from(tasks).where(eq(tasks.applicationNo, no)))[0]!.n === 1, 'routed after confirmation');
    const resolved = await waitFor(async () => (await database().db.select().from(alerts).where(eq(alerts.alertKey, `unrouted:${no}`)))[0]?.resolvedAt, 'alert resolved');
    expect(resolved).toBeInstanceOf(Date);
    const after = (await call('GET', `/v1/applications/${no}/events`, 'approver')).json().items.map((e: { kind: string }) => e.kind);
    expect(after).toEqual(expect.arrayContaining(['catalog-version', 'unrouted-resolved', 'task-pushed']));
  });

describe('the training policy', () => {
  it('a live item cannot take the training (minutes) policy, by one item or by import; a rehearsal item can', async () => {
    const item = (region: string, departmentCode = 'LYG-SPJ') => ({ code: uniqueId('POL'), name: '演练策略事项', type: '行政许可', departmentCode, regionCode: region, statutoryDays: 10, deadlinePolicy: 'training' });
    const live = await call('POST', '/v1/approval-items', 'approver', item('320700'));
    expect(live.statusCode, live.body).toBe(422);
    expect(live.json().detail).toMatch(/counts in minutes .* cannot take it/);
    const imported = await call('POST', '/v1/approval-items/import', 'approver', { items: [item('320700')] });
    expect(imported.statusCode).toBe(422);
    expect(imported.body).toMatch(/deadlinePolicy/);
    expect((await call('POST', '/v1/approval-items', 'trainingApprover', item('TRAIN-320700', DEMO.training.approvalDepartment))).statusCode).toBe(201);
  });

  it('an item on 材料核验 names the materials it verifies; a supervision item may set its own inspection period', async () => {
    const base = { code: uniqueId('VER'), name: '核验事项', type: '行政许可', departmentCode: 'LYG-SPJ', regionCode: '320700', statutoryDays: 10, commitmentAllowed: true, commitmentScenarios: ['verification'] };
    const bare = await call('POST', '/v1/approval-items', 'approver', base);
    expect(bare.statusCode).toBe(400);
    expect(bare.body).toMatch(/材料核验 \(verification\) needs the materials/);
    expect((await call('POST', '/v1/approval-items', 'approver', { ...base, verifiableMaterials: ['卫生检测报告'] })).statusCode).toBe(201);
    const listed = (await call('GET', '/v1/approval-items?departmentCode=LYG-SPJ', 'approver')).json().items.find((i: { code: string }) => i.code === base.code);
    expect(listed.verifiableMaterials).toEqual(['卫生检测报告']);
    const si = { code: uniqueId('JG'), name: '检查事项', departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, inspectionDays: 15 };
    expect((await call('POST', '/v1/supervision-items', 'market', si)).json()).toEqual({ code: si.code, version: 1 });
    expect((await call('GET', `/v1/supervision-items?departmentCode=${DEMO.market}`, 'market')).json().items.find((i: { code: string }) => i.code === si.code)).toMatchObject({ inspectionDays: 15, version: 1 });

    // Versioned like approval items: a task pushed under version 1 keeps its inspection period.
    const item = await newItem();
    const id = (await call('POST', '/v1/linkages', 'approver', { approvalItemCode: item, supervisionDepartmentCode: DEMO.market })).json().id;
    await call('POST', `/v1/linkages/${id}/confirm`, 'market', { supervisionItemCode: si.code, divisionCode: DEMO.marketFoodDivision });
    const no = await submitAndApprove(item);
    expect((await approve(no)).statusCode).toBe(200);
    const taskId = `task-${no}.${DEMO.market}`;
    await waitFor(async () => (await database().db.select().from(tasks).where(eq(tasks.taskId, taskId)))[0] ?? null);
    expect((await call('POST', '/v1/supervision-items', 'market', { ...si, inspectionDays: 2 })).json()).toEqual({ code: si.code, version: 2 });
    expect((await call('POST', `/v1/tasks/${taskId}/claim`, 'food')).statusCode).toBe(200);
    const [task] = await waitFor(async () => {
      const rows = await database().db.select().from(tasks).where(eq(tasks.taskId, taskId));
      return rows[0]?.inspectionDueAt ? rows : null;
    });
    expect(task!.supervisionItemVersion).toBe(1);
    expect(task!.policy!.inspectionWindow).toBe(15);
    expect(task!.inspectionDueAt!.getTime() - task!.claimedAt!.getTime()).toBeGreaterThan(14 * 86_400_000);
  });

  it('rehearsal and live work never meet: no rehearsal item of a live department, no linkage across (培训演练 apart)', async () => {
    // A live department cannot hold an item of the rehearsal region, by one item or by import.
    const mixed = { code: uniqueId('MIX'), name: '演练事项', type: '行政许可', departmentCode: 'LYG-SPJ', regionCode: DEMO.trainingRegion, statutoryDays: 10 };
    const one = await call('POST', '/v1/approval-items', 'approver', mixed);
    expect(one.statusCode, one.body).toBe(422);
    expect(one.json().detail).toBe(`an item of rehearsal region ${DEMO.trainingRegion} cannot be handled by department LYG-SPJ of live region 320700`);
    const imported = await call('POST', '/v1/approval-items/import', 'approver', { items: [mixed] });
    expect(imported.statusCode).toBe(422);
    expect(imported.body).toMatch(/items\[0\]\.regionCode/);
    // A rehearsal item cannot be linked to a live supervising department, nor a live item to a rehearsal one.
    const toLive = await call('POST', '/v1/linkages', 'trainingApprover', { approvalItemCode: 'TR-FOOD-01', supervisionDepartmentCode: DEMO.market });
    expect(toLive.statusCode, toLive.body).toBe(422);
    expect(toLive.json().detail).toMatch(/TR-FOOD-01: an item of rehearsal region .* cannot be handled by department LYG-SJJ of live region 320700/);
    const toRehearsal = await call('POST', '/v1/linkages', 'approver', { approvalItemCode: 'SP-ROAD-01', supervisionDepartmentCode: DEMO.training.housing });
    expect(toRehearsal.statusCode, toRehearsal.body).toBe(422);
    expect(await database().db.select().from(linkages).where(and(eq(linkages.approvalItemCode, 'SP-ROAD-01'), eq(linkages.supervisionDepartmentCode, DEMO.training.housing)))).toEqual([]);
    // The seeded rehearsal items are handled and supervised in the rehearsal region only.
    const seeded = (await call('GET', '/v1/linkages?approvalItemCode=TR-FOOD-01', 'trainingApprover')).json().items;
    expect(seeded.map((l: { supervisionDepartmentCode: string }) => l.supervisionDepartmentCode)).toEqual([DEMO.training.market]);
  });
});
});
