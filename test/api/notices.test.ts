// Department notices through the API on the real stack (docs/notices.md): 双告知 — a registration
// from the registration system, mapped by business scope, forwarded by the division of powers
// (市县分工) to the county that holds the power, claimed there and closed by its licence
// (后置审批) — a forward by hand, 联动告知 of a finding to acknowledge, idempotency, refusals,
// the scope of reads and the two new catalogs.
import { beforeAll, describe, expect, it } from 'vitest';
import { count, eq, inArray } from 'drizzle-orm';
import { auditEvents, departmentNotices, powerDivisions, registrations, scopeMappings } from '../../db/schema/index.js';
import { DEMO, applicationNoOf, database, freshCreditCode, keepHistory, testConfig, uniqueId, waitForValue } from '../helpers.js';
import { ok, withCallers } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('notices-tq') });
const { call, app, harness } = withCallers(config, {
  registry: { sub: 'platform:registration', role: 'platform', platform: 'market-registration', region: DEMO.region },
  resultPlatform: { sub: 'platform:market-supervision', role: 'platform', platform: 'market-supervision', region: DEMO.region },
  lyg: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  haizhou: { sub: 'approval:hz-spj', role: 'approval', department: 'HZ-SPJ' },
  food: { sub: 'supervision:food', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
  housing: { sub: 'supervision:lyg-zjj-head', role: 'supervision', department: DEMO.housing },
  health: { sub: 'supervision:health', role: 'supervision', department: DEMO.health, division: DEMO.healthDivision },
  admin: { sub: 'admin:320700', role: 'regional-admin', region: DEMO.region },
  otherAdmin: { sub: 'admin:320100', role: 'regional-admin', region: '320100' },
  operator: { sub: 'operator:ops', role: 'operator' },
});
const db = () => database().db;

const registration = (over: Record<string, unknown> = {}) => ({
  registrationId: uniqueId('SJ'),
  creditCode: freshCreditCode(),
  name: '连云港海州示例食品店',
  businessScope: '许可项目：食品销售。一般项目：日用百货销售',
  registeredAt: new Date().toISOString(),
  districtCode: '320706',
  ...over,
});

/** The notice once its workflow has opened it and it rests at `department`. */
const noticeAt = (id: string, department: string, who: 'haizhou' | 'lyg' | 'housing' | 'operator' = 'operator') =>
  waitForValue(`${id} at ${department}`, async () => {
    const r = await call('GET', `/v1/notices/${id}`, who);
    return r.statusCode === 200 && r.json().departmentCode === department ? (r.json() as { hops: Array<{ reason: string }> } & Record<string, unknown>) : null;
  });

const trailKinds = async (trail: string) => (await db().select().from(auditEvents).where(eq(auditEvents.applicationNo, trail)).orderBy(auditEvents.id)).map((e) => e.kind);

describe('双告知: a registration to its licence', () => {
  it('is forwarded by the division of powers to the county, claimed there, and closed by the licence', async () => {
    const body = registration();
    const received = await ok(await call('POST', '/v1/registrations', 'registry', body), 201);
    expect(received.matched).toEqual([{ noticeId: `notice-reg-${body.registrationId}.SP-FOOD-01`, itemCode: 'SP-FOOD-01', term: '食品销售', mappingVersion: 1 }]);
    const id = received.matched[0].noticeId as string;

    const n = await noticeAt(id, 'HZ-SPJ', 'haizhou');
    expect(n).toMatchObject({ kind: 'registration', status: 'awaiting-claim', regionCode: '320706', itemCode: 'HZ-FOOD-01', creditCode: body.creditCode, registrationId: body.registrationId });
    expect(n.hops).toEqual([expect.objectContaining({ from: DEMO.approvalDepartment, to: 'HZ-SPJ', by: 'division-of-powers', level: 'county' })]);
    expect(n.hops[0]!.reason).toMatch(/市县分工 \(v1\): the county level holds SP-FOOD-01 for 320706/);
    // The department it passed through still sees it, but cannot claim it.
    await ok(await call('GET', `/v1/notices/${id}`, 'lyg'));
    expect((await call('POST', `/v1/notices/${id}/claim`, 'lyg', {})).statusCode).toBe(403);
    // Told to the holder's head once, never to the city that only passed it on.
    await waitForValue('the SMS to HZ-SPJ', async () => (await db().select().from(auditEvents).where(eq(auditEvents.eventKey, `${id}:notice:1:sent`))).length === 1);
    expect(await db().select().from(auditEvents).where(eq(auditEvents.eventKey, `${id}:notice:0:sent`))).toHaveLength(0);

    const claimed = await ok(await call('POST', `/v1/notices/${id}/claim`, 'haizhou', { note: '已认领，待企业申请' }));
    expect(claimed).toMatchObject({ status: 'claimed', answeredBy: { sub: 'approval:hz-spj' }, answerNote: '已认领，待企业申请' });
    expect((await call('POST', `/v1/notices/${id}/claim`, 'haizhou', {})).statusCode).toBe(409);

    // 后置审批: the county's licence for the credit code and its item closes the loop.
    const applicationNo = applicationNoOf('HZ', 'HZ-SPJ');
    await ok(await call('POST', '/v1/applications', 'haizhou', { applicationNo, itemCode: 'HZ-FOOD-01', applicant: { creditCode: body.creditCode, name: body.name, phone: '13700000061' }, materials: ['食品经营许可申请书'] }), 201);
    await waitForValue('awaiting the decision', async () => (await call('GET', `/v1/applications/${applicationNo}`, 'haizhou')).json().stage === 'awaiting-decision');
    await ok(await call('POST', `/v1/applications/${applicationNo}/decision`, 'haizhou', { outcome: 'approve', opinion: '准予许可' }));
    const licensed = await waitForValue('licensed', async () => {
      const r = (await call('GET', `/v1/notices/${id}`, 'haizhou')).json();
      return r.status === 'licensed' ? r : null;
    });
    expect(licensed.licensedApplicationNo).toBe(applicationNo);

    const events = (await ok(await call('GET', `/v1/notices/${id}/events`, 'haizhou'))).items.map((e: { kind: string }) => e.kind);
    expect(events).toEqual(['notice-raised', 'notice-forwarded', 'notification-sent', 'notice-claimed', 'notice-licensed']);
    // The registration's side of the trail, and the case's.
    expect(await trailKinds(`registration-${body.registrationId}`)).toEqual(['registration-received', 'notice-raised', 'notice-forwarded', 'notice-claimed', 'notice-licensed']);
    expect(await trailKinds(applicationNo)).toContain('notice-licensed');
    const seen = await ok(await call('GET', `/v1/registrations/${body.registrationId}`, 'registry'));
    expect(seen.notices.map((x: { status: string }) => x.status)).toEqual(['licensed']);
    const workflow = harness().client.workflow.getHandle(id);
    expect(await workflow.result()).toEqual({ noticeId: id, status: 'claimed', departmentCode: 'HZ-SPJ', overdue: false });
    await keepHistory('departmentNotice/registration-forwarded-claimed', workflow);
  });

  it('is one registration per id: the same body again answers 200, another body 409, nothing twice', async () => {
    const body = registration({ businessScope: '食品销售；餐饮服务' });
    const first = await ok(await call('POST', '/v1/registrations', 'registry', body), 201);
    expect(first.matched.map((m: { itemCode: string }) => m.itemCode)).toEqual(['SP-CATERING-01', 'SP-FOOD-01']);
    const again = await ok(await call('POST', '/v1/registrations', 'registry', { ...body, registeredAt: new Date(body.registeredAt).toISOString().replace('Z', '+00:00') }), 200);
    expect(again.matched).toEqual(first.matched);
    const other = await call('POST', '/v1/registrations', 'registry', { ...body, name: '另一家企业' });
    expect(other.statusCode).toBe(409);
    expect(other.headers['content-type']).toMatch(/problem\+json/);
    await waitForValue('both notices opened', async () => (await db().select().from(departmentNotices).where(eq(departmentNotices.registrationId, body.registrationId))).length === 2);
    expect(await db().select().from(registrations).where(eq(registrations.registrationId, body.registrationId))).toHaveLength(1);
    expect((await trailKinds(`registration-${body.registrationId}`)).filter((k) => k === 'registration-received')).toHaveLength(1);
  });

  it('refuses bad input and the wrong caller, and keeps nothing', async () => {
    const cases: Array<[string, 'registry' | 'resultPlatform' | 'lyg', Record<string, unknown>, number]> = [
      ['a credit code with a wrong check digit', 'registry', registration({ creditCode: '91320700MA1N000010' }), 400],
      ['an unknown field', 'registry', { ...registration(), capital: '100万' }, 400],
      ['an unknown district', 'registry', registration({ districtCode: '999999' }), 422],
      ['a results platform', 'resultPlatform', registration(), 403],
      ['a back-office role', 'lyg', registration(), 403],
    ];
    for (const [what, who, body, status] of cases) {
      const r = await call('POST', '/v1/registrations', who, body);
      expect(r.statusCode, `${what}: ${r.body}`).toBe(status);
      expect(await db().select().from(registrations).where(eq(registrations.registrationId, body.registrationId as string)), what).toHaveLength(0);
    }
    expect((await call('POST', '/v1/tasks/task-X-2026-1.LYG-SJJ/external-result', 'registry', { recordId: 'R1', finishedAt: new Date().toISOString(), findings: 'x', result: 'compliant' })).statusCode).toBe(403);
  });

  it('is forwarded by hand with a reason (转办), each hop on the trail; a forward must name an approval department that exists', async () => {
    const body = registration({ businessScope: '道路货物运输（不含危险货物）', districtCode: undefined });
    const { matched } = await ok(await call('POST', '/v1/registrations', 'registry', body), 201);
    const id = matched[0].noticeId as string;
    await noticeAt(id, DEMO.approvalDepartment, 'lyg');
    expect((await call('POST', `/v1/notices/${id}/forward`, 'lyg', { toDepartment: 'NOPE-SPJ', reason: '不存在' })).statusCode).toBe(422);
    expect((await call('POST', `/v1/notices/${id}/forward`, 'lyg', { toDepartment: DEMO.market, reason: '监管部门' })).statusCode).toBe(422);
    expect((await call('POST', `/v1/notices/${id}/forward`, 'haizhou', { toDepartment: 'HZ-SPJ', reason: '抢' })).statusCode).toBe(403);
    const moved = await ok(await call('POST', `/v1/notices/${id}/forward`, 'lyg', { toDepartment: 'HZ-SPJ', reason: '经营场所在海州区，由区审批局办理' }));
    expect(moved).toMatchObject({ departmentCode: 'HZ-SPJ', status: 'awaiting-claim', hops: [expect.objectContaining({ from: DEMO.approvalDepartment, to: 'HZ-SPJ', by: 'manual', reason: '经营场所在海州区，由区审批局办理', actor: expect.objectContaining({ sub: 'approval:lyg-spj' }) })] });
    expect((await call('POST', `/v1/notices/${id}/forward`, 'haizhou', { toDepartment: 'HZ-SPJ', reason: '自己' })).statusCode).toBe(422);
    await waitForValue('the SMS to HZ-SPJ', async () => (await db().select().from(auditEvents).where(eq(auditEvents.eventKey, `${id}:notice:1:sent`))).length === 1);
    expect(await trailKinds(id)).toEqual(['notice-raised', 'notification-sent', 'notice-forwarded', 'notification-sent']);
    await keepHistory('departmentNotice/registration-forwarded-by-hand', harness().client.workflow.getHandle(id));
  });
});

describe('联动告知 of a finding', () => {
  it('goes to the department it concerns, acknowledged there; the reporter reference is its idempotency key', async () => {
    const applicationNo = applicationNoOf('LINK');
    await ok(await call('POST', '/v1/applications', 'lyg', { applicationNo, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '连云港联动示例店', phone: '13700000062' }, materials: ['食品经营许可申请书'] }), 201);
    await waitForValue('awaiting the decision', async () => (await call('GET', `/v1/applications/${applicationNo}`, 'lyg')).json().stage === 'awaiting-decision');
    await ok(await call('POST', `/v1/applications/${applicationNo}/decision`, 'lyg', { outcome: 'approve', opinion: '准予许可' }));
    const taskId = `task-${applicationNo}.${DEMO.market}`;
    await waitForValue('the task', async () => (await call('GET', `/v1/tasks/${taskId}`, 'food')).statusCode === 200);

    const reference = uniqueId('JC');
    const body = { reference, taskId, matter: '检查发现经营场所违规搭建，涉及建设领域', concerns: [{ departmentCode: DEMO.housing }] };
    const bad: Array<[string, 'food' | 'health', unknown, number]> = [
      ['both a task and a case', 'food', { ...body, applicationNo }, 400],
      ['no concern', 'food', { ...body, concerns: [] }, 400],
      ['its own department', 'food', { ...body, concerns: [{ departmentCode: DEMO.market }] }, 422],
      ['an unknown supervision item', 'food', { ...body, concerns: [{ supervisionItemCode: 'JG-NOPE' }] }, 422],
      ['a task of another department', 'health', body, 403],
    ];
    for (const [what, who, b, status] of bad) expect((await call('POST', '/v1/linkage-notices', who, b)).statusCode, what).toBe(status);

    const raised = await ok(await call('POST', '/v1/linkage-notices', 'food', body), 201);
    const id = `notice-fnd-${DEMO.market}.${reference}.${DEMO.housing}`;
    expect(raised).toEqual({ reference, repeated: false, notices: [{ noticeId: id, departmentCode: DEMO.housing, divisionCode: null }] });
    expect(await ok(await call('POST', '/v1/linkage-notices', 'food', body))).toMatchObject({ repeated: true, notices: raised.notices });
    expect((await call('POST', '/v1/linkage-notices', 'food', { ...body, matter: '另一个发现' })).statusCode).toBe(409);

    const n = await noticeAt(id, DEMO.housing, 'housing');
    expect(n).toMatchObject({ kind: 'linkage', status: 'awaiting-acknowledgement', raisedByDepartment: DEMO.market, taskId, applicationNo });
    expect((await call('GET', `/v1/notices/${id}`, 'health')).statusCode).toBe(403);
    expect((await call('POST', `/v1/notices/${id}/acknowledge`, 'health', {})).statusCode).toBe(403);
    expect((await call('POST', `/v1/notices/${id}/claim`, 'lyg', {})).statusCode).toBe(403);
    const acked = await ok(await call('POST', `/v1/notices/${id}/acknowledge`, 'housing', { note: '已转执法支队核查' }));
    expect(acked).toMatchObject({ status: 'acknowledged', overdue: false });
    // The reporter sees its receipt (双反馈): on its own list, and on the case's trail with the task.
    const raisedList = await ok(await call('GET', '/v1/notices?side=raised&kind=linkage', 'food'));
    expect(raisedList.items.map((x: { noticeId: string; status: string }) => [x.noticeId, x.status])).toContainEqual([id, 'acknowledged']);
    const onCase = await db().select().from(auditEvents).where(eq(auditEvents.eventKey, `${applicationNo}:${id}:answered`));
    expect(onCase[0]).toMatchObject({ taskId, kind: 'notice-acknowledged' });
    expect(await trailKinds(applicationNo)).toContain('finding-reported');
  });
});

describe('the scope of notices and their catalogs', () => {
  it('lists a notice to its holder, its region and operators only; 404 for none', async () => {
    const body = registration({ businessScope: '公共场所经营', districtCode: undefined });
    const { matched } = await ok(await call('POST', '/v1/registrations', 'registry', body), 201);
    const id = matched[0].noticeId as string;
    await noticeAt(id, DEMO.approvalDepartment, 'lyg');
    const listed = async (who: 'lyg' | 'haizhou' | 'food' | 'admin' | 'otherAdmin' | 'operator') => (await ok(await call('GET', '/v1/notices?limit=200', who))).items.some((x: { noticeId: string }) => x.noticeId === id);
    expect(await listed('lyg')).toBe(true);
    expect(await listed('admin')).toBe(true);
    expect(await listed('operator')).toBe(true);
    expect(await listed('haizhou')).toBe(false);
    expect(await listed('food')).toBe(false);
    expect(await listed('otherAdmin')).toBe(false);
    for (const who of ['haizhou', 'food', 'otherAdmin'] as const) expect((await call('GET', `/v1/notices/${id}`, who)).statusCode, who).toBe(403);
    expect((await call('GET', `/v1/notices/${id}`, 'registry')).statusCode).toBe(403);
    expect((await call('GET', '/v1/notices/notice-reg-NOPE-1.SP-FOOD-01', 'lyg')).statusCode).toBe(404);
    expect((await call('GET', `/v1/registrations/${body.registrationId}`, 'otherAdmin')).statusCode).toBe(403);
    expect((await call('GET', `/v1/registrations/${body.registrationId}`, 'admin')).statusCode).toBe(200);
  });

  it('lets the regional admin of the area write the mapping and the division of powers, all or nothing, each change a version', async () => {
    const term = uniqueId('经营');
    const entry = { regionCode: DEMO.region, term, approvalItemCode: 'SP-ROAD-01' };
    expect((await call('POST', '/v1/scope-mappings', 'lyg', entry)).statusCode).toBe(403);
    expect((await call('POST', '/v1/scope-mappings', 'otherAdmin', entry)).statusCode).toBe(403);
    expect((await call('POST', '/v1/scope-mappings', 'admin', { ...entry, approvalItemCode: 'NOPE-01' })).statusCode).toBe(422);
    expect(await ok(await call('POST', '/v1/scope-mappings', 'admin', entry), 201)).toMatchObject({ version: 1, created: true });
    expect(await ok(await call('POST', '/v1/scope-mappings', 'admin', { ...entry, note: '交通运输局核发' }))).toMatchObject({ version: 2, created: false });

    const rows = [{ ...entry, term: `${term}-2` }, { ...entry, term: `${term}-3`, approvalItemCode: 'NOPE-02' }];
    const refused = await call('POST', '/v1/scope-mappings/import', 'admin', { items: rows });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual([{ field: 'items[1]', message: expect.stringMatching(/approval item NOPE-02/) }]);
    expect(await db().select().from(scopeMappings).where(eq(scopeMappings.term, `${term}-2`))).toHaveLength(0);
    expect(await ok(await call('POST', '/v1/scope-mappings/import', 'admin', { items: [rows[0]] }))).toMatchObject({ imported: 1, created: 1 });

    // The city's admin writes for its counties; another city's does not.
    const power = { regionCode: '320706', approvalItemCode: 'SP-ROAD-01', level: 'county', holderDepartmentCode: 'HZ-SPJ' };
    expect((await call('POST', '/v1/power-divisions', 'otherAdmin', power)).statusCode).toBe(403);
    expect((await call('POST', '/v1/power-divisions', 'admin', { ...power, holderDepartmentCode: DEMO.market })).statusCode).toBe(422);
    expect((await call('POST', '/v1/power-divisions', 'admin', { ...power, holderItemCode: 'SP-FOOD-01' })).statusCode).toBe(422);
    expect((await call('POST', '/v1/power-divisions', 'admin', { ...power, level: 'township' })).statusCode).toBe(400);
    expect(await ok(await call('POST', '/v1/power-divisions', 'admin', power), 201)).toMatchObject({ version: 1 });
    const list = await ok(await call('GET', '/v1/power-divisions?regionCode=320706', 'lyg'));
    expect(list.items).toContainEqual(expect.objectContaining({ approvalItemCode: 'SP-ROAD-01', level: 'county', holderDepartmentCode: 'HZ-SPJ', version: 1 }));
  });
});

describe('authorization matrix of the notice routes: every caller that is not the owner is refused, and nothing changes', () => {
  const o = { registration: '', reg: '', link: '', taskId: '' };
  beforeAll(async () => {
    const body = registration({ businessScope: '公共场所经营（矩阵）', districtCode: undefined });
    o.registration = body.registrationId;
    o.reg = (await ok(await call('POST', '/v1/registrations', 'registry', body), 201)).matched[0].noticeId;
    await noticeAt(o.reg, DEMO.approvalDepartment);
    const applicationNo = applicationNoOf('MATRIX');
    await ok(await call('POST', '/v1/applications', 'lyg', { applicationNo, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '矩阵示例店', phone: '13700000063' }, materials: ['食品经营许可申请书'] }), 201);
    await waitForValue('awaiting the decision', async () => (await call('GET', `/v1/applications/${applicationNo}`, 'lyg')).json().stage === 'awaiting-decision');
    await ok(await call('POST', `/v1/applications/${applicationNo}/decision`, 'lyg', { outcome: 'approve', opinion: '准予许可' }));
    o.taskId = `task-${applicationNo}.${DEMO.market}`;
    await waitForValue('the task', async () => (await call('GET', `/v1/tasks/${o.taskId}`, 'food')).statusCode === 200);
    o.link = (await ok(await call('POST', '/v1/linkage-notices', 'food', { reference: uniqueId('M'), taskId: o.taskId, matter: '矩阵', concerns: [{ departmentCode: DEMO.housing }] }), 201)).notices[0].noticeId;
    await noticeAt(o.link, DEMO.housing);
    // Their SMS delivered: the set-up writes nothing more while the matrix runs.
    for (const id of [o.reg, o.link]) await waitForValue(`${id} told`, async () => (await db().select().from(auditEvents).where(eq(auditEvents.eventKey, `${id}:notice:0:sent`))).length === 1);
  }, 120_000);

  type Who = Parameters<typeof call>[2] | 'anonymous';
  const rows: Array<[string, 'GET' | 'POST', () => string, Who[], number, (() => unknown)?]> = [
    ['read a notice', 'GET', () => `/v1/notices/${o.reg}`, ['haizhou', 'food', 'health', 'otherAdmin'], 403],
    ['read a notice (role)', 'GET', () => `/v1/notices/${o.reg}`, ['registry', 'resultPlatform'], 403],
    ['read its trail', 'GET', () => `/v1/notices/${o.reg}/events`, ['haizhou', 'food', 'otherAdmin', 'registry'], 403],
    ['claim', 'POST', () => `/v1/notices/${o.reg}/claim`, ['haizhou', 'food', 'admin', 'operator', 'registry'], 403, () => ({})],
    ['forward', 'POST', () => `/v1/notices/${o.reg}/forward`, ['haizhou', 'health', 'admin', 'operator'], 403, () => ({ toDepartment: 'HZ-SPJ', reason: '越权转办' })],
    ['acknowledge', 'POST', () => `/v1/notices/${o.link}/acknowledge`, ['lyg', 'health', 'food', 'haizhou', 'admin', 'operator'], 403, () => ({})],
    ['raise a finding', 'POST', () => '/v1/linkage-notices', ['health', 'lyg', 'housing', 'admin', 'operator', 'registry'], 403, () => ({ reference: uniqueId('X'), taskId: o.taskId, matter: '越权', concerns: [{ departmentCode: DEMO.health }] })],
    ['read a registration', 'GET', () => `/v1/registrations/${o.registration}`, ['otherAdmin', 'lyg', 'food', 'resultPlatform'], 403],
    ['post a registration', 'POST', () => '/v1/registrations', ['lyg', 'admin', 'operator', 'resultPlatform'], 403, () => registration()],
    ['write the mapping', 'POST', () => '/v1/scope-mappings', ['lyg', 'operator', 'otherAdmin', 'registry'], 403, () => ({ regionCode: DEMO.region, term: uniqueId('越权'), approvalItemCode: 'SP-ROAD-01' })],
    ['import the mapping', 'POST', () => '/v1/scope-mappings/import', ['lyg', 'otherAdmin'], 403, () => ({ items: [{ regionCode: DEMO.region, term: uniqueId('越权'), approvalItemCode: 'SP-ROAD-01' }] })],
    ['write the division of powers', 'POST', () => '/v1/power-divisions', ['lyg', 'otherAdmin', 'operator'], 403, () => ({ regionCode: '320706', approvalItemCode: 'SP-CATERING-01', level: 'county', holderDepartmentCode: 'HZ-SPJ' })],
    ['import the division of powers', 'POST', () => '/v1/power-divisions/import', ['lyg', 'otherAdmin'], 403, () => ({ items: [{ regionCode: '320706', approvalItemCode: 'SP-CATERING-01', level: 'county', holderDepartmentCode: 'HZ-SPJ' }] })],
    ['without a token', 'POST', () => `/v1/notices/${o.reg}/claim`, ['anonymous'], 401, () => ({})],
    ['a notice that does not exist', 'GET', () => '/v1/notices/notice-reg-NOPE-1.SP-FOOD-01', ['lyg', 'operator'], 404],
    ['claim one that does not exist', 'POST', () => '/v1/notices/notice-reg-NOPE-1.SP-FOOD-01/claim', ['lyg'], 404, () => ({})],
    ['a registration that does not exist', 'GET', () => '/v1/registrations/NOPE-0001', ['operator'], 404],
  ];
  const cells = rows.flatMap(([what, method, url, whos, status, body]) => whos.map((who) => [`${what}: ${who} → ${status}`, { method, url, who, status, body }] as const));

  const state = async () => ({
    notices: await db().select().from(departmentNotices).where(inArray(departmentNotices.noticeId, [o.reg, o.link])).orderBy(departmentNotices.noticeId),
    trail: (await db().select({ n: count() }).from(auditEvents).where(inArray(auditEvents.applicationNo, [o.reg, o.link, `registration-${o.registration}`])))[0]!.n,
    mappings: (await db().select({ n: count() }).from(scopeMappings))[0]!.n,
    powers: (await db().select({ n: count() }).from(powerDivisions))[0]!.n,
    registrations: (await db().select({ n: count() }).from(registrations))[0]!.n,
  });

  it.each(cells)('%s', async (_label, { method, url, who, status, body }) => {
    const before = await state();
    const r = who === 'anonymous' ? await app().inject({ method, url: url(), payload: body?.() as never }) : await call(method, url(), who, body?.());
    expect(r.statusCode, r.body).toBe(status);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await state()).toEqual(before);
  });
});
