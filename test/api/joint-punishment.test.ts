// 联合惩戒 and 信用修复 (issue #28 item 4, seed 002) end to end on the real stack: a region's
// joint-punishment measures (CRUD, import all or nothing); the issuing department's decision
// attaches a measure to an entity; while it runs, the implementing approval department's cases
// refuse the commitment route (告知承诺) with the measure named, the portrait shows it and a
// random-inspection draw reads its weight; credit repair ends it by a recorded decision, and the
// next application may take the commitment route again. A measure whose duration has passed
// restricts nothing, with no manual step.
import { describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { entityPunishments, jointPunishmentMeasures, marketEntities } from '../../db/schema/index.js';
import { readPopulation } from '../../activities/draw/draw.js';
import { inspectionWeights } from '../../db/queries/leniency.js';
import { applicationNoOf, database, freshCreditCode, testConfig, uniqueId, DEMO } from '../helpers.js';
import { withCallers, ok } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('punish-tq') });

const people = {
  approver: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  market: { sub: 'supervision:lyg-sjj-head', role: 'supervision', department: DEMO.market },
  food: { sub: 'supervision:lyg-sjj-spjy', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
  health: { sub: 'supervision:lyg-wjw', role: 'supervision', department: DEMO.health },
  admin: { sub: 'admin:320700', role: 'regional-admin', region: DEMO.region },
  otherAdmin: { sub: 'admin:320100', role: 'regional-admin', region: '320100' },
  operator: { sub: 'operator:ops', role: 'operator' },
} satisfies Record<string, Principal>;
const { call } = withCallers(config, people);

const measure = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  regionCode: DEMO.region,
  name: '限制适用告知承诺制审批',
  category: '行政性约束',
  legalBasis: '国发〔2016〕33号',
  departmentCode: DEMO.market,
  implementingDepartmentCodes: [DEMO.approvalDepartment],
  durationMonths: 12,
  restrictsCommitment: true,
  inspectionWeight: 3,
  ...extra,
});

/** An application on 材料延期 (SP-MEDDEV-01), asking for the commitment route: the route it got and why. */
async function commitmentApplication(creditCode: string): Promise<{ applicationNo: string; route: string; routeReason: string }> {
  const applicationNo = applicationNoOf('CJ');
  const body = { applicationNo, itemCode: 'SP-MEDDEV-01', route: 'commitment', applicant: { creditCode, name: '联合惩戒测试医疗器械公司', phone: '13700000061' }, commitment: { scenario: 'deferred-materials', deferredMaterials: ['质量管理制度'], text: '承诺20个工作日内补交' } };
  const created = await ok(await call('POST', '/v1/applications', 'approver', body), 201);
  return { applicationNo, route: created.route, routeReason: created.routeReason };
}

const decide = (who: 'market' | 'food' | 'approver' | 'health', creditCode: string, measureCode: string, extra: Record<string, unknown> = {}) =>
  call('POST', '/v1/joint-punishments', who, { creditCode, measureCode, decisionNo: `连信惩〔2026〕${uniqueId('n')}号`, reason: '虚假承诺，拒不整改', ...extra });

describe('the joint-punishment catalog (联合惩戒措施)', () => {
  it('is written by the issuing department or the regional admin, versioned, and imported all or nothing', async () => {
    const code = uniqueId('T-CJ');
    expect(await ok(await call('POST', '/v1/joint-punishment-measures', 'market', measure(code)), 201)).toEqual({ code, version: 1 });
    expect(await ok(await call('POST', '/v1/joint-punishment-measures', 'admin', measure(code, { durationMonths: 24 })))).toEqual({ code, version: 2 });
    expect(await ok(await call('GET', `/v1/joint-punishment-measures/${code}`, 'food'))).toMatchObject({ durationMonths: 24, implementingDepartmentCodes: [DEMO.approvalDepartment], version: 2 });
    expect((await call('POST', '/v1/joint-punishment-measures', 'health', measure(code))).statusCode).toBe(403);
    expect((await call('POST', '/v1/joint-punishment-measures', 'otherAdmin', measure(code))).statusCode).toBe(403);

    const [a, b] = [uniqueId('T-CJ-A'), uniqueId('T-CJ-B')];
    const bad = await call('POST', '/v1/joint-punishment-measures/import', 'admin', { items: [measure(a), measure(b, { implementingDepartmentCodes: ['NO-SUCH-DEPT'], durationMonths: 0 })] });
    expect(bad.statusCode, bad.body).toBe(422);
    expect(bad.json().detail).toBe('1 of 2 rows rejected; nothing was imported');
    expect(bad.json().errors).toEqual(expect.arrayContaining([{ field: 'items[1].implementingDepartmentCodes', message: 'department NO-SUCH-DEPT does not exist' }, expect.objectContaining({ field: 'items[1].durationMonths' })]));
    expect((await database().db.select({ n: count() }).from(jointPunishmentMeasures).where(eq(jointPunishmentMeasures.code, a)))[0]!.n).toBe(0);
    const good = await ok(await call('POST', '/v1/joint-punishment-measures/import', 'admin', { items: [measure(a), measure(b)] }));
    expect(good).toMatchObject({ imported: 2, created: 2 });
  });
});

/** The credit grade a draw of the region's food supervision would read the entity under. */
const drawnGrade = async (creditCode: string) =>
  (await readPopulation(database().db, { planId: 'p', regionCode: DEMO.region, departments: [DEMO.market], items: ['JG-FOOD-01'], itemsPerTarget: null, filter: {}, shares: {}, inspectorsPerTarget: 2, periodStart: '2026-01-01', periodEnd: '2026-12-31', publicationDays: 20 })).find((e) => e.creditCode === creditCode)?.creditGrade;

describe('a joint punishment on an entity', () => {
  it('refuses the commitment route while in force, shows on the portrait and weighs the draw; credit repair lifts it for the next application', async () => {
    const code = uniqueId('T-CJ');
    await ok(await call('POST', '/v1/joint-punishment-measures', 'market', measure(code)), 201);
    const creditCode = freshCreditCode();

    // Only the issuing department decides: not the approval department, not another department.
    for (const who of ['approver', 'health'] as const) expect((await decide(who, creditCode, code)).statusCode).toBe(403);
    const decisionNo = '连市监信惩〔2026〕7号';
    const decided = await ok(await decide('market', creditCode, code, { decisionNo }), 201);
    expect(decided).toMatchObject({ creditCode, measureCode: code, status: 'in-force', decidedBy: { sub: people.market.sub }, repair: null });
    // The same decision again is the same decision; another under its number is a conflict.
    expect((await ok(await decide('market', creditCode, code, { decisionNo }))).id).toBe(decided.id);
    expect((await decide('market', creditCode, code, { decisionNo, reason: '另一理由' })).statusCode).toBe(409);
    expect(Date.parse(decided.endsAt) - Date.parse(decided.startsAt)).toBeGreaterThan(360 * 86_400_000);

    const refused = await commitmentApplication(creditCode);
    expect(refused.route).toBe('standard');
    expect(refused.routeReason).toMatch(new RegExp(`joint punishment \\(联合惩戒\\): 限制适用告知承诺制审批 \\(measure ${code}, decision ${decisionNo}`));

    const portrait = await ok(await call('GET', `/v1/applicants/${creditCode}`, 'approver'));
    expect(portrait.jointPunishments).toEqual([expect.objectContaining({ id: decided.id, status: 'in-force', measure: expect.objectContaining({ restrictsCommitment: true, inspectionWeight: 3 }) })]);
    expect((await inspectionWeights(database().db, [creditCode, freshCreditCode()], new Date())).get(creditCode)).toEqual({ weight: 3, measures: [code] });
    // The draw reads the entity, an A in the directory, into its population as a D (重点监管) while the measure is in force.
    await database().db.insert(marketEntities).values({ creditCode, name: '联合惩戒演示企业', regionCode: DEMO.region, creditGrade: 'A', creditSource: 'test', creditAssessedOn: '2026-01-01', origin: 'entry', updatedBy: 'test' });
    expect(await drawnGrade(creditCode)).toBe('D');

    // Read scope: the issuing and implementing departments, the region's admin, the operator.
    const listed = async (who: keyof typeof people) => (await ok(await call('GET', `/v1/joint-punishments?creditCode=${creditCode}`, who))).items.map((p: { id: number }) => p.id);
    for (const who of ['approver', 'market', 'admin', 'operator'] as const) expect(await listed(who)).toEqual([decided.id]);
    for (const who of ['health', 'otherAdmin'] as const) expect(await listed(who)).toEqual([]);
    expect((await call('GET', `/v1/joint-punishments/${decided.id}`, 'health')).statusCode).toBe(403);
    expect((await call('GET', '/v1/joint-punishments/2147483000', 'operator')).statusCode).toBe(404);

    // 信用修复: by the issuing department, with why and on what basis; not by an implementing one.
    const repair = { reason: '已完成整改并作出信用承诺', basis: '信用修复申请书及整改材料' };
    expect((await call('POST', `/v1/joint-punishments/${decided.id}/repair`, 'approver', repair)).statusCode).toBe(403);
    const repaired = await ok(await call('POST', `/v1/joint-punishments/${decided.id}/repair`, 'market', repair));
    expect(repaired).toMatchObject({ status: 'repaired', repair: { by: { sub: people.market.sub }, ...repair } });
    expect((await call('POST', `/v1/joint-punishments/${decided.id}/repair`, 'market', repair)).statusCode).toBe(409);
    expect(await drawnGrade(creditCode)).toBe('A'); // repaired: drawn under its own grade again
    expect((await inspectionWeights(database().db, [creditCode], new Date())).has(creditCode)).toBe(false);

    const next = await commitmentApplication(creditCode);
    expect(next.route, next.routeReason).toBe('commitment');
  });

  it('runs out at the end of its duration with no manual step', async () => {
    const code = uniqueId('T-CJ');
    await ok(await call('POST', '/v1/joint-punishment-measures', 'market', measure(code, { durationMonths: 1 })), 201);
    const creditCode = freshCreditCode();
    const startsAt = new Date(Date.now() - 62 * 86_400_000).toISOString();
    const decided = await ok(await decide('market', creditCode, code, { startsAt }), 201);
    expect(decided.status).toBe('expired');
    expect((await commitmentApplication(creditCode)).route).toBe('commitment');
    const ran = await call('POST', `/v1/joint-punishments/${decided.id}/repair`, 'market', { reason: 'x', basis: 'y' });
    expect(ran.statusCode).toBe(409);
    expect(ran.json().detail).toMatch(/ran out/);
    const [row] = await database().db.select().from(entityPunishments).where(eq(entityPunishments.id, decided.id));
    expect(row!.repairedAt).toBeNull();
  });

  it('refuses bad decisions with a 4xx and records nothing', async () => {
    const before = (await database().db.select({ n: count() }).from(entityPunishments))[0]!.n;
    expect((await call('POST', '/v1/joint-punishments', 'market', { creditCode: '91320700MA1N000010', measureCode: 'LYG-CJ-001', decisionNo: 'x', reason: 'y' })).statusCode).toBe(400);
    expect((await decide('market', freshCreditCode(), 'NO-SUCH-MEASURE')).statusCode).toBe(422);
    expect((await decide('market', freshCreditCode(), 'LYG-CJ-001', { startsAt: new Date(Date.now() + 86_400_000).toISOString() })).statusCode).toBe(422);
    expect((await call('POST', '/v1/joint-punishments', 'market', { creditCode: freshCreditCode(), measureCode: 'LYG-CJ-001', decisionNo: 'x', reason: 'y', extra: 1 })).statusCode).toBe(400);
    expect((await database().db.select({ n: count() }).from(entityPunishments))[0]!.n).toBe(before);
  });
});
