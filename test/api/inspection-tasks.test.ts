// 双随机 item 3 on the real stack, in the rehearsal region's compressed time (TRAIN-320700, the
// training policy's minutes): a plan is drawn, each staffed target becomes a supervision task
// of origin random-inspection in the drawn officers' division, only the drawn officers inspect
// and fill its record form (检查结果记录表: every check item answered), the result follows from
// the answers, and it reaches the public feed (一公开) and the statistics.
import { describe, expect, it, beforeAll } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { auditEvents, divisions, drawTargets, inspectionResults, inspectors, marketEntities, supervisionItems, tasks } from '../../db/schema/index.js';
import { database, keepHistory, testConfig, trainingFoodDivision, uniqueId, waitForValue, DEMO } from '../helpers.js';
import { testCreditCode } from '../draw-fixture.js';
import { ok, withCallers } from './harness.js';

const tag = uniqueId('RT').replace(/-/g, '').toUpperCase();
const R = 'TRAIN-320700';
const M = DEMO.training.market;
const FOOD = DEMO.training.marketFoodDivision;
const OTHER = `${M}-${tag}`;
const ITEM = `${M}-RI-${tag}`;
const area = String(100000 + Math.floor(Math.random() * 899999));
const code = (n: number) => testCreditCode(n, area);
const officerId = (n: number) => `${M}-${tag}-${n}`;
const shanghaiDate = (offsetDays: number) => new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
const officerOf = (n: number): Principal => ({ sub: officerId(n), role: 'supervision', department: M, division: FOOD });

const people = {
  lead: { sub: 'supervision:training-lead', role: 'supervision', department: M },
  division: trainingFoodDivision,
  otherDivision: { sub: 'supervision:training-other', role: 'supervision', department: M, division: OTHER },
  officer1: officerOf(1),
  officer2: officerOf(2),
  notDrawn: { sub: 'supervision:training-someone', role: 'supervision', department: M, division: FOOD },
  operator: { sub: 'operator:ops', role: 'operator' },
} satisfies Record<string, Principal>;
const queue = uniqueId('rt-tq');
const { call, app, harness } = withCallers(testConfig({ TEMPORAL_TASK_QUEUE: queue, RATE_LIMIT_MAX: '100000' }), people);
const db = () => database().db;

beforeAll(async () => {
  await db().insert(divisions).values({ code: OTHER, departmentCode: M, name: '另一处（演练）', adminName: '王处长', adminPhone: '13800000099' });
  await db().insert(supervisionItems).values({ code: ITEM, name: '食品经营双随机检查（演练）', departmentCode: M, divisionCode: FOOD });
  const industry = `ri-${tag}`;
  await db().insert(marketEntities).values([1, 2, 3].map((n) => ({ creditCode: code(n), name: `演练抽查企业${n}`, regionCode: R, industry, creditGrade: 'C', creditSource: '测试', creditAssessedOn: '2026-06-30', origin: 'import', updatedBy: 'test' })));
  // The two officers who may inspect the item: every target gets both (inspectorsPerTarget 2).
  await db().insert(inspectors).values([1, 2].map((n) => ({ id: officerId(n), departmentCode: M, divisionCode: FOOD, name: `演练执法员${n}`, certificateNo: `${tag}${n}`.slice(-20), certificateValidFrom: '2024-01-01', certificateValidUntil: '2030-12-31', items: [ITEM], updatedBy: 'test' })));
});

const planId = `${M}-${tag}-SJ`;
const taskOf = async (creditCode: string) => (await db().select().from(drawTargets).where(and(eq(drawTargets.drawId, planId), eq(drawTargets.creditCode, creditCode))))[0]!.taskId!;
const form = (answers: Array<'pass' | 'fail' | 'not-applicable'>, items: string[]) => items.map((item, i) => ({ item, answer: answers[i]!, ...(answers[i] === 'fail' && { note: '现场发现问题，已责令改正' }) }));

describe('a random-inspection plan from draw to publication, in compressed time', () => {
  it('draws, opens a task per target in the officers’ division, and takes each result from its record form to the public feed', async () => {
    const plan = { planId, name: '演练双随机抽查', items: [ITEM], filter: { industries: [`ri-${tag}`] }, shares: { C: { low: 1, medium: 1, high: 1 } }, inspectorsPerTarget: 2, periodStart: shanghaiDate(-1), periodEnd: shanghaiDate(10) };
    await ok(await call('POST', '/v1/inspection-plans', 'lead', plan), 201);
    await ok(await call('POST', `/v1/inspection-plans/${planId}/commit`, 'lead', { beacon: `演练 ${tag}`, beaconSource: '测试' }), 202);
    const targets = await waitForValue('three tasks', async () => {
      const rows = await db().select().from(drawTargets).where(eq(drawTargets.drawId, planId)).orderBy(drawTargets.ordinal);
      return rows.length === 3 && rows.every((r) => r.taskId) ? rows : null;
    });
    for (const t of targets) {
      expect(t.taskId).toBe(`task-${planId}.${t.ordinal}.${M}`);
      expect(t.inspectorIds).toEqual([officerId(1), officerId(2)]);
    }
    const [t1, t2, t3] = await Promise.all([code(1), code(2), code(3)].map(taskOf));
    const row = await waitForValue('task 1 opened', async () => (await db().select().from(tasks).where(eq(tasks.taskId, t1!)))[0] ?? null);
    expect(row).toMatchObject({ origin: 'random-inspection', originNo: `${planId}.${targets.find((t) => t.taskId === t1)!.ordinal}`, departmentCode: M, divisionCode: FOOD, applicationNo: null, regionCode: R });
    const view = await ok(await call('GET', `/v1/tasks/${t1}`, 'division'));
    expect(view).toMatchObject({ origin: 'random-inspection', status: 'awaiting-claim' });

    // Scope: another division neither reads nor claims; an officer not drawn neither inspects nor records.
    await ok(await call('GET', `/v1/tasks/${t1}`, 'otherDivision'), 403);
    await ok(await call('POST', `/v1/tasks/${t1}/claim`, 'otherDivision'), 403);
    for (const t of [t1, t2, t3]) await ok(await call('POST', `/v1/tasks/${t}/claim`, 'division'));
    const finished = { finishedAt: new Date().toISOString(), findings: '现场检查' };
    await ok(await call('POST', `/v1/tasks/${t1}/inspection`, 'notDrawn', finished), 403);
    await ok(await call('POST', `/v1/tasks/${t1}/inspection`, 'officer1', finished));
    for (const t of [t2, t3]) await ok(await call('POST', `/v1/tasks/${t}/inspection`, 'officer2', finished));

    // The record form: every check item, once; the result follows from the answers.
    const items = [`${ITEM} 食品经营双随机检查（演练）`];
    const feedback = (t: string, result: string, checklist?: unknown) => call('POST', `/v1/tasks/${t}/feedback`, 'officer1', { result, note: '', ...(checklist !== undefined && { checklist }) });
    expect((await ok(await feedback(t1!, 'compliant'), 422)).detail).toMatch(/record form/);
    expect((await ok(await feedback(t1!, 'compliant', [{ item: '别的检查项', answer: 'pass' }]), 422)).detail).toMatch(/missing/);
    expect((await ok(await feedback(t1!, 'compliant', form(['fail'], items)), 422)).detail).toMatch(/rectification/);
    await ok(await call('POST', `/v1/tasks/${t1}/feedback`, 'notDrawn', { result: 'compliant', note: '', checklist: form(['pass'], items) }), 403);
    expect(await ok(await feedback(t1!, 'compliant', form(['pass'], items)))).toMatchObject({ status: 'closed', outcome: 'compliant' });
    expect(await ok(await feedback(t2!, 'rectification', form(['fail'], items)))).toMatchObject({ status: 'rectifying' });
    expect(await ok(await feedback(t3!, 'unreachable', form(['not-applicable'], items)))).toMatchObject({ status: 'closed', outcome: 'unreachable' });
    await ok(await feedback(t1!, 'compliant', form(['pass'], items)), 409);

    const results = await db().select().from(inspectionResults).where(eq(inspectionResults.drawId, planId));
    expect(Object.fromEntries(results.map((r) => [r.creditCode, r.result]))).toEqual({ [code(1)]: 'no-problem', [code(2)]: 'corrected', [code(3)]: 'not-located' });
    expect(results.every((r) => r.onTime && r.departmentCode === M && r.recordedBy.sub === officerId(1))).toBe(true);

    // 一公开: the daily run publishes them; the feed shows no officer.
    const publishId = uniqueId('publish-rt');
    await harness().client.workflow.execute('publishInspections', { workflowId: publishId, taskQueue: queue, args: [] });
    const feed = await app().inject({ method: 'GET', url: `/v1/public/inspections?regionCode=${R}&limit=100` });
    const mine = (feed.json().items as Array<{ creditCode: string; result: string; planId: string }>).filter((i) => i.planId === planId);
    expect(mine.map((i) => i.result).sort()).toEqual(['corrected', 'no-problem', 'not-located']);
    expect(feed.body).not.toContain(officerId(1));

    // Statistics count them for the department.
    const stats = await ok(await call('GET', `/v1/stats/inspections?departmentCode=${M}&from=${plan.periodStart}&to=${plan.periodStart}`, 'operator'));
    const m = stats.items.find((x: { departmentCode: string }) => x.departmentCode === M);
    expect(m.inspections.recorded).toBeGreaterThanOrEqual(3);
    expect(m.results['not-located']).toBeGreaterThanOrEqual(1);

    // On the record: the plan's trail names the tasks; each task's file has its steps.
    const plansTrail = (await db().select().from(auditEvents).where(eq(auditEvents.applicationNo, `plan:${planId}`))).map((e) => e.kind);
    expect(plansTrail).toEqual(expect.arrayContaining(['draw-drawn', 'inspection-tasks', 'inspection-result']));
    const taskTrail = (await db().select().from(auditEvents).where(like(auditEvents.applicationNo, `${planId}.%`))).map((e) => e.kind);
    expect(taskTrail).toEqual(expect.arrayContaining(['task-pushed', 'task-claimed', 'inspection-due', 'feedback']));

    await keepHistory('supervisionTask/random-inspection-compliant', harness().client.workflow.getHandle(t1!));
    await keepHistory('inspectionDraw/drawn-with-tasks', harness().client.workflow.getHandle(`draw-${planId}`));
  });
});
