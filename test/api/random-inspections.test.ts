// 双随机 over HTTP (issue #27 items 1–2): the directory of market entities and the roster of
// inspectors, filled by bulk import (all or nothing, bad rows named) and one at a time, each
// within its scope; a plan committed with a published value, its draw run by the workflow over
// 10,000 entities, every target with two certified inspectors and no conflict, and the draw
// re-run by verify — which fails once the snapshot it drew from is edited.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { projectRoot } from '../../runtime/config.js';
import { and, count, eq, inArray, like } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { draw } from '../../activities/draw/algorithm.js';
import { sha256hex } from '../../activities/draw/prng.js';
import { parseSnapshot } from '../../activities/draw/snapshot.js';
import { contentHashOf, deriveSeed } from '../../activities/draw/terms.js';
import { planContent } from '../../activities/draw/draw.js';
import { auditEvents, cases, catalogChanges, departments, divisions, drawTargets, inspectionDraws, inspectionPlans, inspectionResults, inspectorConflicts, inspectors, marketEntities, regions, supervisionItems, tasks } from '../../db/schema/index.js';
import { database, keepHistory, testConfig, tokenFor, uniqueId, waitForValue } from '../helpers.js';
import { gradeOf, testCreditCode } from '../draw-fixture.js';
import { ok, withCallers } from './harness.js';

const tag = uniqueId('RI').replace(/-/g, '').toUpperCase();
const R = `R${tag}`;
const R2 = `R2${tag}`;
const A = `${tag}-SJJ`;
const B = `${tag}-WJW`;
const C = `${tag}-FAR`;
const A1 = `${A}-SPJY`;
const A2 = `${A}-TZSB`;
/** Six digits of the credit codes of this run's entities (characters 3–8), so runs never share codes. */
const area = String(100000 + Math.floor(Math.random() * 899999));
const code = (n: number) => testCreditCode(n, area);
/** Dates around the run (Asia/Shanghai): the plan's period began three days ago and runs 25 days on. */
const shanghaiDate = (offsetDays: number) => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
const [periodStart, periodEnd, today] = [shanghaiDate(-3), shanghaiDate(25), shanghaiDate(0)];

const people = {
  lead: { sub: 'supervision:lead', role: 'supervision', department: A },
  leadDivision: { sub: 'supervision:lead-spjy', role: 'supervision', department: A, division: A1 },
  otherDivision: { sub: 'supervision:lead-tzsb', role: 'supervision', department: A, division: A2 },
  joint: { sub: 'supervision:joint', role: 'supervision', department: B },
  far: { sub: 'supervision:far', role: 'supervision', department: C },
  admin: { sub: 'admin:r', role: 'regional-admin', region: R },
  farAdmin: { sub: 'admin:r2', role: 'regional-admin', region: R2 },
  operator: { sub: 'operator:ops', role: 'operator' },
  approver: { sub: 'approval:x', role: 'approval', department: 'LYG-SPJ' },
} satisfies Record<string, Principal>;
const queue = uniqueId('ri-tq');
const config = testConfig({ TEMPORAL_TASK_QUEUE: queue, RATE_LIMIT_MAX: '100000' });
const { call, app, tokens, harness } = withCallers(config, people);
const itemNames: Record<string, string> = {};
const db = () => database().db;

beforeAll(async () => {
  await db().insert(regions).values([{ code: R, name: '抽查测试市' }, { code: R2, name: '另一市' }]);
  await db().insert(departments).values([
    { code: A, name: '市场监管局', regionCode: R, side: 'supervision' },
    { code: B, name: '卫健委', regionCode: R, side: 'supervision' },
    { code: C, name: '外市市场监管局', regionCode: R2, side: 'supervision' },
  ]);
  await db().insert(divisions).values([
    { code: A1, departmentCode: A, name: '食品经营处', adminName: '陈处长', adminPhone: '13800000011' },
    { code: A2, departmentCode: A, name: '特种设备处', adminName: '李处长', adminPhone: '13800000012' },
  ]);
  await db().insert(supervisionItems).values([
    { code: `${A}-FOOD-01`, name: '食品经营许可事后监管', departmentCode: A, divisionCode: A1 },
    { code: `${A}-FOOD-02`, name: '食品标签检查', departmentCode: A, divisionCode: A1 },
    { code: `${B}-GGWS-01`, name: '公共场所卫生检查', departmentCode: B },
  ]);
  Object.assign(itemNames, { [`${A}-FOOD-01`]: '食品经营许可事后监管', [`${A}-FOOD-02`]: '食品标签检查', [`${B}-GGWS-01`]: '公共场所卫生检查' });
});

const entity = (n: number, over: Record<string, unknown> = {}) => ({ creditCode: code(n), name: `抽查测试企业${n}`, regionCode: R, industry: 'food', creditGrade: gradeOf(n), creditSource: '公共信用信息平台', creditAssessedOn: '2026-06-30', ...over });
const officer = (id: string, over: Record<string, unknown> = {}) => ({ id: `${A}-${id}`, departmentCode: A, divisionCode: A1, name: `执法员${id}`, certificateNo: `${tag.slice(-8)}${id}`.slice(-20), certificateValidFrom: '2024-01-01', certificateValidUntil: '2028-12-31', items: [`${A}-FOOD-01`, `${A}-FOOD-02`], ...over });

describe('the directory of market entities', () => {
  it('imports a CSV file all or nothing, naming every bad row', async () => {
    const header = 'creditCode,name,regionCode,industry,creditGrade,creditSource,creditAssessedOn,riskGrades';
    const good = (n: number) => `${code(n)},企业${n},${R},food,B,公共信用信息平台,2026-06-30,item|${A}-FOOD-01|high|市场监管局风险评估|2026-06-01`;
    const badCheck = `${code(2).slice(0, 17)}${code(2).endsWith('0') ? '1' : '0'}`;
    const csv = [header, good(1), `${badCheck},企业2,${R},food,B,平台,2026-06-30,`, `${code(3)},企业3,${R2},food,E,平台,2026-06-30,`, good(1)].join('\n');
    const r = await call('POST', '/v1/market-entities/import', 'admin', undefined);
    expect(r.statusCode).toBe(400); // no body
    const rejected = await app().inject({ method: 'POST', url: '/v1/market-entities/import', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'text/csv' }, payload: csv });
    const p = await ok(rejected, 422);
    const fields = (p.errors as Array<{ field: string; message: string }>).map((e) => `${e.field}: ${e.message}`).join('\n');
    expect(fields).toMatch(/row 2 \(line 3\)\.creditCode: not a valid unified social credit code: check digit/);
    expect(fields).toMatch(/row 3 \(line 4\)\.creditGrade/);
    expect(fields).toMatch(/row 4 \(line 5\): .* is already in row 1/);
    expect(p.detail).toMatch(/3 of 4 rows rejected; nothing was imported/);
    expect((await db().select({ n: count() }).from(marketEntities).where(eq(marketEntities.regionCode, R)))[0]!.n).toBe(0);

    const okCsv = [header, ...Array.from({ length: 40 }, (_, i) => good(i))].join('\n');
    const imported = await ok(await app().inject({ method: 'POST', url: '/v1/market-entities/import', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'text/csv' }, payload: okCsv }));
    expect(imported).toMatchObject({ imported: 40, created: 40, updated: 0 });
    const one = await ok(await call('GET', `/v1/market-entities/${code(5)}`, 'lead'));
    expect(one).toMatchObject({ creditCode: code(5), regionCode: R, origin: 'import', riskGrades: [{ scope: 'item', scopeCode: `${A}-FOOD-01`, grade: 'high' }] });
    expect((await db().select({ n: count() }).from(catalogChanges).where(inArray(catalogChanges.entityKey, [code(5)])))[0]!.n).toBe(1);
  });

  it('is the region’s: another region’s admin or department neither reads nor writes it', async () => {
    await ok(await call('GET', `/v1/market-entities/${code(5)}`, 'farAdmin'), 403);
    await ok(await call('GET', `/v1/market-entities/${code(5)}`, 'far'), 403);
    await ok(await call('GET', `/v1/market-entities/${code(99_999)}`, 'lead'), 404);
    await ok(await call('GET', `/v1/market-entities/${code(5)}`, 'approver'), 403);
    expect((await ok(await call('GET', '/v1/market-entities?limit=200', 'far'))).items.filter((e: { regionCode: string }) => e.regionCode === R)).toEqual([]);
    expect((await ok(await call('GET', '/v1/market-entities?limit=200', 'lead'))).total).toBe(40);
    const farWrite = await ok(await call('POST', '/v1/market-entities', 'farAdmin', entity(5, { name: '改名' })), 403);
    expect(farWrite.detail).toMatch(/your region/);
    expect((await ok(await call('GET', `/v1/market-entities/${code(5)}`, 'lead'))).name).toBe('企业5');
    // One entry replaced whole by the region's department: its risk grades go with it.
    expect(await ok(await call('POST', '/v1/market-entities', 'lead', entity(5, { riskGrades: [] })))).toMatchObject({ creditCode: code(5), origin: 'entry', riskGrades: [] });
    await ok(await call('POST', '/v1/market-entities', 'lead', { ...entity(6), creditCode: 'not-a-code' }), 400);
  });

  it('takes in the applicants of the region’s cases it lacks, with their pre-check grade, once', async () => {
    const applicationNo = uniqueId('RI-CASE');
    await db().insert(cases).values({ applicationNo, workflowId: `case-${applicationNo}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: 'LYG-SPJ', regionCode: R, applicantCreditCode: code(50_000), applicantName: '申请人企业', applicantPhone: '13700000009', requestedRoute: 'auto', requestHash: 'h', stage: 'closed', submittedBy: 'test', creditResult: { grade: 'C', blacklisted: false, brokenCommitments: 0, checkedAt: '2026-11-02T03:00:00.000Z' } });
    expect(await ok(await call('POST', '/v1/market-entities/from-cases', 'admin'))).toEqual({ added: [code(50_000)] });
    expect(await ok(await call('GET', `/v1/market-entities/${code(50_000)}`, 'lead'))).toMatchObject({ name: '申请人企业', creditGrade: 'C', creditAssessedOn: '2026-11-02', origin: 'case', creditSource: `credit pre-check of application ${applicationNo}` });
    expect(await ok(await call('POST', '/v1/market-entities/from-cases', 'lead'))).toEqual({ added: [] });
    expect(await ok(await call('POST', '/v1/market-entities/from-cases', 'farAdmin'))).toEqual({ added: [] });
    await db().delete(marketEntities).where(eq(marketEntities.creditCode, code(50_000)));
  });
});

describe('the roster of inspectors', () => {
  it('a division writes its own officers; names and certificates are masked outside the department', async () => {
    await ok(await call('POST', '/v1/inspectors', 'leadDivision', officer('01')), 201);
    const refused = await ok(await call('POST', '/v1/inspectors', 'otherDivision', officer('02')), 403);
    expect(refused.detail).toMatch(/its own officers/);
    await ok(await call('POST', '/v1/inspectors', 'joint', officer('02')), 403);
    await ok(await call('POST', '/v1/inspectors', 'lead', officer('03', { id: 'WRONG-03' })), 400);
    await ok(await call('POST', '/v1/inspectors', 'lead', officer('03', { items: ['NO-SUCH-ITEM'] })), 422);
    // The rest by import (the regional admin), one of them expired before the period, one not valid until within it.
    const items = [officer('02'), officer('03'), officer('04'), officer('05', { divisionCode: A2 }), officer('E1', { certificateValidUntil: shanghaiDate(5) }), officer('F1', { certificateValidFrom: shanghaiDate(10) }), { ...officer('01'), id: `${B}-01`, departmentCode: B, divisionCode: undefined, certificateNo: `${tag.slice(-8)}B01`, items: [`${B}-GGWS-01`] }, { ...officer('01'), id: `${B}-02`, departmentCode: B, divisionCode: undefined, certificateNo: `${tag.slice(-8)}B02`, items: [`${B}-GGWS-01`] }];
    const dup = await ok(await call('POST', '/v1/inspectors/import', 'admin', { items: [...items, { ...officer('09'), certificateNo: officer('02').certificateNo }] }), 422);
    expect(dup.errors.map((e: { field: string }) => e.field)).toEqual(['items[8].certificateNo']);
    expect((await db().select({ n: count() }).from(inspectors).where(like(inspectors.id, `${tag}%`)))[0]!.n).toBe(1);
    await ok(await call('POST', '/v1/inspectors/import', 'farAdmin', { items }), 403);
    expect(await ok(await call('POST', '/v1/inspectors/import', 'admin', { items }))).toMatchObject({ imported: 8, created: 8 });

    const own = await ok(await call('GET', '/v1/inspectors', 'lead'));
    expect(own.items.find((i: { id: string }) => i.id === `${A}-01`)).toMatchObject({ name: '执法员01', certificateNo: officer('01').certificateNo });
    expect(own.items.every((i: { departmentCode: string }) => i.departmentCode === A)).toBe(true);
    const masked = await ok(await call('GET', `/v1/inspectors?departmentCode=${A}`, 'operator'));
    expect(masked.items.find((i: { id: string }) => i.id === `${A}-01`)).toMatchObject({ name: '执****', certificateNo: expect.stringMatching(/^.{4}\*+.{2}$/) });
    await ok(await call('GET', `/v1/inspectors?departmentCode=${A}`, 'joint'), 403);
    await ok(await call('GET', `/v1/inspectors?departmentCode=${A}`, 'farAdmin'), 403);
  });

  it('records a conflict of interest (回避) once, by the officer’s department only', async () => {
    const body = { creditCode: code(7), reason: '配偶任该企业法定代表人' };
    await ok(await call('POST', `/v1/inspectors/${A}-02/conflicts`, 'lead', body), 201);
    await ok(await call('POST', `/v1/inspectors/${A}-02/conflicts`, 'lead', body), 200);
    await ok(await call('POST', `/v1/inspectors/${A}-02/conflicts`, 'joint', body), 403);
    await ok(await call('POST', `/v1/inspectors/${A}-NOPE/conflicts`, 'lead', body), 404);
    await ok(await call('POST', `/v1/inspectors/${A}-02/conflicts`, 'lead', { ...body, creditCode: '123' }), 400);
    expect((await ok(await call('GET', `/v1/inspectors/${A}-02/conflicts`, 'lead'))).items).toHaveLength(1);
  });
});

describe('a plan and its draw over 10,000 entities', () => {
  const planId = `${A}-2026-SJ-01`;
  const plan = { planId, name: '2026年12月食品经营双随机抽查', departments: [B], items: [`${A}-FOOD-01`, `${A}-FOOD-02`, `${B}-GGWS-01`], itemsPerTarget: 2, periodStart, periodEnd };
  const beacon = { beacon: '2026-12-03 福彩3D 开奖号码 4 7 1', beaconSource: '中国福利彩票官网 2026-12-03 21:15 开奖公告' };

  it('refuses bad plans with a reason and changes nothing', async () => {
    await ok(await call('POST', '/v1/inspection-plans', 'lead', { ...plan, inspectorsPerTarget: 1 }), 400);
    expect((await ok(await call('POST', '/v1/inspection-plans', 'lead', { ...plan, planId: `${B}-2026-SJ-01` }), 403)).detail).toMatch(/lead department's space/);
    expect((await ok(await call('POST', '/v1/inspection-plans', 'lead', { ...plan, departments: [] }), 422)).detail).toMatch(/not a department of the plan/);
    expect((await ok(await call('POST', '/v1/inspection-plans', 'lead', { ...plan, departments: [C] }), 422)).detail).toMatch(/not a supervision department of region/);
    await ok(await call('POST', '/v1/inspection-plans', 'lead', { ...plan, shares: { A: { low: 0.1 } } }), 422);
    await ok(await call('POST', '/v1/inspection-plans', 'lead', { ...plan, periodEnd: shanghaiDate(-4) }), 400);
    await ok(await call('POST', '/v1/inspection-plans', 'admin', plan), 403);
    expect((await db().select({ n: count() }).from(inspectionPlans).where(eq(inspectionPlans.regionCode, R)))[0]!.n).toBe(0);
  });

  it('is committed with a published value: the seed is fixed from its content, then the workflow draws', async () => {
    // 10,000 entities more, straight into the directory (the import's limit is 2,000 rows a file).
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ creditCode: code(1000 + i), name: `企业${i}`, regionCode: R, industry: 'food', creditGrade: gradeOf(i), creditSource: '测试', creditAssessedOn: '2026-06-30', origin: 'import', updatedBy: 'test' }));
    for (let i = 0; i < rows.length; i += 2000) await db().insert(marketEntities).values(rows.slice(i, i + 2000));
    const created = await ok(await call('POST', '/v1/inspection-plans', 'lead', plan), 201);
    expect(created).toMatchObject({ status: 'draft', departments: [A, B], inspectorsPerTarget: 2, publicationDays: 20, shares: { A: { low: 0 }, D: { high: 0.5 } }, seed: null });
    await ok(await call('POST', `/v1/inspection-plans/${planId}/commit`, 'joint', beacon), 403);
    await ok(await call('POST', `/v1/inspection-plans/${planId}/commit`, 'lead', { beacon: '' }), 400);
    const committed = await ok(await call('POST', `/v1/inspection-plans/${planId}/commit`, 'lead', beacon), 202);
    const row = (await db().select().from(inspectionPlans).where(eq(inspectionPlans.planId, planId)))[0]!;
    const contentHash = contentHashOf(planContent(row));
    expect(committed).toMatchObject({ status: expect.stringMatching(/committed|drawn/), contentHash, seed: deriveSeed(contentHash, beacon.beacon) });
    await ok(await call('POST', `/v1/inspection-plans/${planId}/commit`, 'lead', beacon), 200);
    await ok(await call('POST', `/v1/inspection-plans/${planId}/commit`, 'lead', { ...beacon, beacon: '另一个号码' }), 409);
    await ok(await call('POST', '/v1/inspection-plans', 'lead', { ...plan, name: '改' }), 409);

    const d = await waitForValue('the draw', async () => {
      const r = await call('GET', `/v1/inspection-draws/${planId}`, 'lead');
      return r.statusCode === 200 && r.json().status === 'drawn' ? (r.json() as { snapshotHash: string; resultHash: string; classes: Array<{ drawn: number; share: number; population: number }> }) : null;
    });
    expect(d).toMatchObject({ populationSize: 10_040, seed: committed.seed, algorithm: 'sg-draw-v1' });
    // The trail: committed, snapshot, drawn — in order, on the plan's chain.
    // The trail: committed, snapshot, drawn, the targets' tasks opened — in order, on the plan's chain.
    const kinds = ['plan-committed', 'draw-snapshot', 'draw-drawn', 'inspection-tasks'];
    const trail = await waitForValue('the tasks opened', async () => {
      const rows = await db().select().from(auditEvents).where(eq(auditEvents.applicationNo, `plan:${planId}`)).orderBy(auditEvents.id);
      return rows.length >= 4 ? rows : null;
    });
    expect(trail.map((e) => e.kind)).toEqual(kinds);
    expect((await ok(await call('GET', `/v1/inspection-plans/${planId}/events`, 'joint'))).items.map((e: { kind: string }) => e.kind)).toEqual(kinds);
    await ok(await call('GET', `/v1/inspection-plans/${planId}/events`, 'far'), 403);

    // Anyone who reads the plan re-runs the draw from the snapshot and gets the recorded result.
    const snapshot = await call('GET', `/v1/inspection-draws/${planId}/snapshot`, 'joint');
    expect(snapshot.statusCode).toBe(200);
    expect(sha256hex(snapshot.body)).toBe(d.snapshotHash);
    expect(snapshot.body).not.toMatch(/执法员/);
    const rerun = draw(parseSnapshot(snapshot.body));
    expect(rerun.resultHash).toBe(d.resultHash);
    const targets = await db().select().from(drawTargets).where(eq(drawTargets.drawId, planId));
    expect(targets.length).toBe(rerun.targets.length);
    expect(targets.length).toBeGreaterThan(500);
    for (const c of d.classes) expect(Math.abs(c.drawn - c.share * c.population)).toBeLessThanOrEqual(3 * Math.sqrt(c.population * c.share * (1 - c.share)) + 1);

    const conflicts = new Set((await db().select().from(inspectorConflicts).where(like(inspectorConflicts.inspectorId, `${tag}%`))).map((c) => `${c.inspectorId}\t${c.creditCode}`));
    for (const t of targets) {
      expect(t.inspectorIds.length).toBeGreaterThanOrEqual(2);
      expect(t.inspectorIds).not.toContain(`${A}-E1`);
      expect(t.inspectorIds).not.toContain(`${A}-F1`);
      for (const id of t.inspectorIds) expect(conflicts.has(`${id}\t${t.creditCode}`)).toBe(false);
    }
    const page = await ok(await call('GET', `/v1/inspection-draws/${planId}/targets?limit=5`, 'joint'));
    expect(page.total).toBe(targets.length);
    expect(page.items[0].inspectors[0].name).toMatch(/\*/);
  });

  it('verify re-runs the draw to the same result, and fails once the snapshot is edited', async () => {
    expect(await ok(await call('POST', `/v1/inspection-draws/${planId}/verify`, 'farAdmin'), 403)).toMatchObject({ status: 403 });
    await ok(await call('POST', `/v1/inspection-draws/NOPE-${tag}/verify`, 'operator'), 404);
    const verified = await ok(await call('POST', `/v1/inspection-draws/${planId}/verify`, 'operator'));
    expect(verified).toMatchObject({ verified: true, problems: [], verificationId: expect.stringMatching(new RegExp(`^draw-verify-${planId}-`)) });
    await keepHistory('verifyInspectionDraw/verified', harness().client.workflow.getHandle(verified.verificationId));
    expect(await verifyScript(planId)).toMatchObject({ code: 0, out: expect.stringMatching(/verified: the re-run gives the recorded result/) });
    const [kept] = await db().select({ snapshot: inspectionDraws.snapshot }).from(inspectionDraws).where(eq(inspectionDraws.drawId, planId));
    const [t] = await db().select().from(drawTargets).where(eq(drawTargets.drawId, planId)).limit(1);
    const edited = kept!.snapshot.replace(`${t!.creditCode}\t${t!.creditGrade}\t${t!.riskGrade}`, `${t!.creditCode}\tA\tlow`);
    await db().update(inspectionDraws).set({ snapshot: edited }).where(eq(inspectionDraws.drawId, planId));
    const failed = await ok(await call('POST', `/v1/inspection-draws/${planId}/verify`, 'lead'));
    expect(failed.verified).toBe(false);
    expect(failed.problems.join()).toMatch(/the snapshot was changed/);
    expect((await ok(await call('GET', `/v1/inspection-draws/${planId}`, 'lead'))).lastVerified).toBe(false);
    expect(await verifyScript(planId)).toMatchObject({ code: 1, out: expect.stringMatching(/FAILED: the snapshot's sha-256 is/) });
    const kinds = (await db().select().from(auditEvents).where(eq(auditEvents.applicationNo, `plan:${planId}`))).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['draw-verified', 'draw-verification-failed']));
    await db().update(inspectionDraws).set({ snapshot: kept!.snapshot }).where(eq(inspectionDraws.drawId, planId));
  });

  it('a plan and its draw are read by its departments, its region’s admin and operators only', async () => {
    await ok(await call('GET', `/v1/inspection-plans/${planId}`, 'joint'));
    await ok(await call('GET', `/v1/inspection-plans/${planId}`, 'admin'));
    await ok(await call('GET', `/v1/inspection-plans/${planId}`, 'far'), 403);
    await ok(await call('GET', `/v1/inspection-draws/${planId}`, 'farAdmin'), 403);
    await ok(await call('GET', `/v1/inspection-draws/${planId}/snapshot`, 'approver'), 403);
    await ok(await call('GET', `/v1/inspection-plans/NOPE-${tag}`, 'lead'), 404);
    expect((await ok(await call('GET', '/v1/inspection-plans', 'far'))).items).toEqual([]);
    expect((await ok(await call('GET', '/v1/inspection-plans', 'joint'))).items.map((p: { planId: string }) => p.planId)).toEqual([planId]);
    expect((await app().inject({ method: 'GET', url: `/v1/inspection-draws/${planId}` })).statusCode).toBe(401);
  });
});


describe('results and their publication (一公开)', () => {
  const planId = `${A}-2026-SJ-01`;

  it('takes two targets’ results from their tasks’ record forms and publishes them on the daily run without any inspector', async () => {
    // Two targets whose tasks went to the lead division; each worked by an officer drawn for it.
    const inA1 = await db().select({ t: drawTargets, divisionCode: tasks.divisionCode }).from(drawTargets).innerJoin(tasks, eq(tasks.taskId, drawTargets.taskId)).where(eq(drawTargets.drawId, planId)).orderBy(drawTargets.ordinal);
    const [t1, t2] = inA1.filter((r) => r.divisionCode === A1 && r.t.inspectorIds.some((id) => id.startsWith(`${A}-0`))).map((r) => r.t);
    const officerOf = (t: typeof t1) => t!.inspectorIds.find((id) => id.startsWith(`${A}-0`))!;
    const as = async (id: string) => `Bearer ${await tokenFor(config, { sub: id, role: 'supervision', department: A, division: A1 })}`;
    const act = async (t: typeof t1, step: string, body: unknown, status = 200) => ok(await app().inject({ method: 'POST', url: `/v1/tasks/${t!.taskId}/${step}`, headers: { authorization: await as(officerOf(t)) }, payload: body as never }), status);
    const formOf = (t: typeof t1, answer: 'pass' | 'fail') => t!.items.map((item, i) => ({ item: `${item} ${itemNames[item]}`, answer: i === 0 ? answer : 'not-applicable', ...(answer === 'fail' && i === 0 && { note: '两名员工健康证过期，已当场责令改正' }) }));
    for (const t of [t1, t2]) {
      await ok(await call('POST', `/v1/tasks/${t!.taskId}/claim`, 'leadDivision'));
      await act(t, 'inspection', { finishedAt: new Date().toISOString(), findings: '现场检查' });
    }
    await act(t1, 'feedback', { result: 'compliant', note: '', checklist: formOf(t1, 'fail') }, 422);
    await act(t1, 'feedback', { result: 'rectification', note: '责令改正', checklist: formOf(t1, 'fail') });
    await act(t2, 'feedback', { result: 'compliant', note: '', checklist: formOf(t2, 'pass') });
    const [recorded] = await db().select().from(inspectionResults).where(and(eq(inspectionResults.drawId, planId), eq(inspectionResults.creditCode, t1!.creditCode)));
    expect(recorded).toMatchObject({ result: 'corrected', departmentCode: A, publishedAt: null, items: t1!.items, inspectedOn: today });
    // Due 20 working days after the inspection, at 24:00 Asia/Shanghai.
    expect(recorded!.publishDueAt.getTime() - new Date(`${today}T16:00:00Z`).getTime()).toBeGreaterThanOrEqual(20 * 86_400_000);
    const feed = () => app().inject({ method: 'GET', url: `/v1/public/inspections?regionCode=${R}` });
    expect((await feed()).json()).toMatchObject({ items: [], total: 0 });

    const publishId = uniqueId('publish');
    const run = await harness().client.workflow.execute('publishInspections', { workflowId: publishId, taskQueue: queue, args: [] });
    expect(run).toMatchObject({ published: expect.any(Number), late: 0 });
    const published = (await feed()).json();
    expect(published.total).toBe(2);
    expect(published.items.find((x: { creditCode: string }) => x.creditCode === t1!.creditCode)).toMatchObject({ entityName: expect.stringMatching(/^企业/), result: 'corrected', departmentCode: A, planId, inspectedOn: today });
    const text = (await feed()).body;
    for (const id of [...t1!.inspectorIds, ...t2!.inspectorIds]) expect(text).not.toContain(id);
    expect(text).not.toMatch(/执法员|checklist|recordedBy/);

    // Withdrawn by its department with a reason: gone from the feed; once.
    await ok(await call('POST', `/v1/public-inspections/${recorded!.id}/withdraw`, 'joint', { reason: '企业申请复核' }), 403);
    expect(await ok(await call('POST', `/v1/public-inspections/${recorded!.id}/withdraw`, 'lead', { reason: '企业提出异议，复核中' }))).toMatchObject({ withdrawalReason: '企业提出异议，复核中' });
    await ok(await call('POST', `/v1/public-inspections/${recorded!.id}/withdraw`, 'lead', { reason: '再次' }), 409);
    expect((await feed()).json().total).toBe(1);
    const kinds = (await db().select().from(auditEvents).where(eq(auditEvents.applicationNo, `plan:${planId}`))).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['inspection-result', 'results-published', 'result-withdrawn']));
    await keepHistory('publishInspections/published', harness().client.workflow.getHandle(publishId));
  });
});


describe('statistics per department', () => {
  it('counts plans, targets drawn by class, inspections on time, results, and the share inspected per credit grade against the plan', async () => {
    const planId = `${A}-2026-SJ-01`;
    const [d] = await db().select().from(inspectionDraws).where(eq(inspectionDraws.drawId, planId));
    const lead = await ok(await call('GET', '/v1/stats/inspections', 'lead'));
    expect(lead.items.map((x: { departmentCode: string }) => x.departmentCode)).toEqual([A]);
    const a = lead.items[0];
    expect(a.plans).toEqual({ total: 1, draft: 0, committed: 0, drawn: 1 });
    expect(a.drawnByClass.reduce((n: number, c: { drawn: number }) => n + c.drawn, 0)).toBe(d!.classes!.reduce((n, c) => n + c.drawn, 0));
    expect(a.inspections).toEqual({ recorded: 2, onTime: 2, late: 0 });
    expect(a.results).toEqual({ 'no-problem': 1, corrected: 1 });
    const grades = a.byCreditGrade as Array<{ creditGrade: string; population: number; drawn: number; plannedShare: number; inspected: number; inspectedShare: number }>;
    expect(grades.reduce((n, g) => n + g.population, 0)).toBe(d!.populationSize);
    expect(grades.reduce((n, g) => n + g.inspected, 0)).toBe(2); // both results of the plan, whoever recorded them
    // The plan drew D hardest and A least.
    expect(grades.find((g) => g.creditGrade === 'D')!.plannedShare).toBeGreaterThan(grades.find((g) => g.creditGrade === 'A')!.plannedShare);
    const region = await ok(await call('GET', '/v1/stats/inspections', 'admin'));
    expect(region.items.map((x: { departmentCode: string }) => x.departmentCode)).toEqual([A, B].sort());
    expect(region.items.find((x: { departmentCode: string }) => x.departmentCode === B).results).toEqual({});
    expect((await ok(await call('GET', '/v1/stats/inspections', 'farAdmin'))).items).toEqual([]);
    await ok(await call('GET', `/v1/stats/inspections?departmentCode=${A}`, 'far'), 403);
    await ok(await call('GET', '/v1/stats/inspections', 'approver'), 403);
    await ok(await call('GET', '/v1/stats/inspections?from=yesterday', 'operator'), 400);
    expect((await ok(await call('GET', `/v1/stats/inspections?departmentCode=${A}&from=2099-01-01`, 'operator'))).items).toEqual([]);
  });
});

/** `npm run verify-draw -- <drawId>` as a user runs it, against the tests' database. */
function verifyScript(drawId: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'scripts', 'verify-draw.ts'), drawId], { env: process.env, cwd: projectRoot }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
  });
}
