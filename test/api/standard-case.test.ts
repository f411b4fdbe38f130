// The first full case over HTTP, against the real dev server and PostgreSQL: submit → credit
// pre-check → decision → task + SMS → claim → inspection → feedback → closed; and the edge:
// 401 without a token, 403 for another division's task, 400 for a malformed credit code. Every
// call goes through the typed client generated from the contract (client/index.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { count, eq } from 'drizzle-orm';
import { auditEvents, cases, notifications, tasks } from '../../db/schema/index.js';
import { applicationNoOf, approver, database, foodDivision, trainingApprover, trainingFoodDivision, freshCreditCode, testConfig, tokenFor, uniqueId, DEMO } from '../helpers.js';
import type { ApiClient, Schema } from '../../client/index.js';
import { startApiHarness, typedClient, type ApiHarness } from './harness.js';

let app: FastifyInstance;
let harness: ApiHarness;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('api-tq') });
const tokens: Record<string, string> = {};
/** The typed client as each caller of `tokens`, and as `anonymous` (no token). */
const api: Record<string, ApiClient> = {};

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  tokens.approver = await tokenFor(config, approver);
  tokens.food = await tokenFor(config, foodDivision);
  tokens.otherDivision = await tokenFor(config, { ...foodDivision, sub: 'supervision:equipment', division: 'LYG-SJJ-TZSB' });
  tokens.operator = await tokenFor(config, { sub: 'ops', role: 'operator' });
  tokens.trainingApprover = await tokenFor(config, trainingApprover);
  tokens.trainingFood = await tokenFor(config, trainingFoodDivision);
  for (const [who, token] of Object.entries(tokens)) api[who] = typedClient(app, token);
  api.anonymous = typedClient(app);
});

afterAll(() => harness?.stop());

const caseOf = (applicationNo: string) => ({ params: { path: { applicationNo } } });
const taskOf = (taskId: string) => ({ params: { path: { taskId } } });
/** What a refusal says, for an assertion's message. */
const said = (r: { error?: unknown }) => JSON.stringify(r.error);

function application(overrides: Partial<Schema<'ApplicationInput'>> = {}): Schema<'ApplicationInput'> {
  return {
    applicationNo: applicationNoOf('2026'),
    itemCode: 'SP-FOOD-01',
    applicant: { creditCode: freshCreditCode(), name: '连云港海州食品店', phone: '13700000002' },
    materials: ['食品经营许可申请书', '营业执照复印件'],
    ...overrides,
  };
}

describe('a case on the standard route, over HTTP', () => {
  it('runs from application to a closed case, every step on the record', async () => {
    const body = application();
    const no = body.applicationNo;

    const created = await api.approver!.POST('/v1/applications', { body });
    expect(created.response.status, said(created)).toBe(201);
    expect(created.data).toMatchObject({
      applicationNo: no,
      status: 'awaiting-decision',
      route: 'standard',
      routeReason: 'standard route: the item does not allow commitment approval (告知承诺)',
    });

    // Same body again: the same case, 200. Another body under the same number: 409.
    const again = await api.approver!.POST('/v1/applications', { body });
    expect(again.response.status).toBe(200);
    const clash = await api.approver!.POST('/v1/applications', { body: { ...body, materials: ['另一份材料'] } });
    expect(clash.response.status).toBe(409);
    expect(clash.response.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const decided = await api.approver!.POST('/v1/applications/{applicationNo}/decision', { ...caseOf(no), body: { outcome: 'approve', opinion: '材料齐全，准予许可' } });
    expect(decided.response.status, said(decided)).toBe(200);
    expect(decided.data).toMatchObject({ decision: 'approve', licenceStatus: 'issued' });

    const taskId = `task-${no}.${DEMO.market}`;
    const inbox = await waitFor(async () => {
      const { data } = await api.food!.GET('/v1/tasks', { params: { query: { applicationNo: no } } });
      // The page and its total are two statements: a task pushed between them can be counted and not listed yet.
      return data?.total === 1 && data.items.length === 1 ? data : null;
    });
    expect(inbox.items[0]).toMatchObject({ taskId, status: 'awaiting-claim', divisionCode: DEMO.marketFoodDivision, claimOverdue: false });
    // Every wait's ladder, from the policy the task was pushed under (DOMAIN.md §4).
    expect(inbox.items[0]!.ladder).toEqual({ policy: 'standard', unit: 'working-day', claimWindow: 3, inspectionWindow: 10, feedbackWindow: 5, remindBefore: { claim: 1, feedback: 1 }, escalateTo: ['department-head', 'coordinating-office'] });
    await waitFor(async () => ((await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-notice`)))[0]?.status === 'sent' ? true : null));

    // Another division of the same department may neither see nor claim it.
    expect((await api.otherDivision!.GET('/v1/tasks/{taskId}', taskOf(taskId))).response.status).toBe(403);
    const stolen = await api.otherDivision!.POST('/v1/tasks/{taskId}/claim', taskOf(taskId));
    expect(stolen.response.status).toBe(403);
    expect(stolen.error?.detail).toMatch(/LYG-SJJ-SPJY/);

    const claimed = await api.food!.POST('/v1/tasks/{taskId}/claim', taskOf(taskId));
    expect(claimed.response.status, said(claimed)).toBe(200);
    expect(claimed.data).toMatchObject({ status: 'claimed', claimedBy: foodDivision.sub });
    expect((await api.food!.POST('/v1/tasks/{taskId}/claim', taskOf(taskId))).response.status).toBe(409);

    // Given to the second, as people and back-office systems do: not "before the claim".
    const finishedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const inspected = await api.food!.POST('/v1/tasks/{taskId}/inspection', { ...taskOf(taskId), body: { finishedAt, findings: '现场检查，经营场所与许可一致' } });
    expect(inspected.response.status, said(inspected)).toBe(200);
    expect(inspected.data!.feedbackDueAt).not.toBeNull();

    const fed = await api.food!.POST('/v1/tasks/{taskId}/feedback', { ...taskOf(taskId), body: { result: 'compliant', note: '符合要求' } });
    expect(fed.response.status, said(fed)).toBe(200);
    expect(fed.data).toMatchObject({ status: 'closed', result: 'compliant' });

    const closed = await waitFor(async () => {
      const { data } = await api.approver!.GET('/v1/applications/{applicationNo}', caseOf(no));
      return data?.stage === 'closed' ? data : null;
    });
    expect(closed).toMatchObject({ licenceStatus: 'issued', decision: 'approve', credit: { grade: 'B', blacklisted: false } });
    expect(closed.tasks).toHaveLength(1);

    const events = (await api.approver!.GET('/v1/applications/{applicationNo}/events', caseOf(no))).data!.items;
    // The inspection window opens right after the claim; an inspection reported at once may close it first.
    expect(events.map((e) => e.kind).filter((k) => k !== 'inspection-due')).toEqual([
      'submitted',
      'credit-checked',
      'routed',
      'approved',
      'pushed',
      'task-pushed',
      'notification-sent',
      'task-claimed',
      'inspection-finished',
      'feedback',
      // 双向推送: the result arrives back at the approval side, and goes to the credit platform.
      'result-received',
      'credit-record',
      'case-closed',
    ]);
    expect(events.find((e) => e.kind === 'task-claimed')!.actor.sub).toBe(foodDivision.sub);
    // The trail is a hash chain (全程留痕): intact as written; an edit in SQL is caught at its row.
    const verify = async () => (await api.approver!.GET('/v1/applications/{applicationNo}/events/verify', caseOf(no))).data;
    expect(await verify()).toEqual({ applicationNo: no, events: events.length, intact: true, firstBrokenEventId: null });
    const approved = events.find((e) => e.kind === 'approved')!;
    await database().sql`update audit_events set summary = summary || '（改）' where id = ${approved.id}`;
    expect(await verify()).toMatchObject({ intact: false, firstBrokenEventId: approved.id });
    // The supervising division may read the case it supervises.
    expect((await api.food!.GET('/v1/applications/{applicationNo}', caseOf(no))).response.status).toBe(200);
  });

  it('runs a training-region case with minutes for working days (培训演练)', async () => {
    const body = application({ itemCode: 'TR-FOOD-01', applicationNo: applicationNoOf('TR', DEMO.training.approvalDepartment) });
    // Worked by the rehearsal region's own departments: a live clerk may not even submit it.
    expect((await api.approver!.POST('/v1/applications', { body: { ...body, applicationNo: applicationNoOf('TR') } })).response.status).toBe(403);
    const created = await api.trainingApprover!.POST('/v1/applications', { body });
    expect(created.response.status, said(created)).toBe(201);
    const detail = (await api.trainingApprover!.GET('/v1/applications/{applicationNo}', caseOf(body.applicationNo))).data!;
    const decision = detail.deadlines.find((d) => d.kind === 'decision')!;
    // Statutory limit of the training policy: 10 minutes from routing, final (not provisional).
    expect(Date.parse(decision.dueAt) - Date.parse(detail.createdAt)).toBeGreaterThan(9 * 60_000);
    expect(Date.parse(decision.dueAt) - Date.parse(detail.createdAt)).toBeLessThan(11 * 60_000);
    expect(decision.provisional).toBe(false);

    await api.trainingApprover!.POST('/v1/applications/{applicationNo}/decision', { ...caseOf(body.applicationNo), body: { outcome: 'approve', opinion: '演练' } });
    const taskId = `task-${body.applicationNo}.${DEMO.training.market}`;
    const task = await waitFor(async () => {
      const { data } = await api.trainingFood!.GET('/v1/tasks/{taskId}', taskOf(taskId));
      return data ?? null;
    });
    expect(Date.parse(task.claimDueAt) - Date.parse(task.pushedAt)).toBe(3 * 60_000);
    expect(task.claimDueProvisional).toBe(false);
    const [row] = await database().db.select().from(tasks).where(eq(tasks.taskId, taskId));
    expect(row!.claimRemindAt!.getTime()).toBe(row!.claimDueAt.getTime() - 60_000);
    expect(row!.policy).toMatchObject({ code: 'training', unit: 'minute', claimWindow: 3 });
    // Never in a live inbox.
    expect((await api.food!.GET('/v1/tasks/{taskId}', taskOf(taskId))).response.status).toBe(403);
  });

  it('refuses a request without a valid token with 401', async () => {
    expect((await api.anonymous!.GET('/v1/tasks')).response.status).toBe(401);
    const forged = await typedClient(app, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZSI6Im9wZXJhdG9yIn0.c2lnbmF0dXJl').GET('/v1/tasks');
    expect(forged.response.status).toBe(401);
    expect(forged.error?.type).toBe('urn:shenguan:problem:unauthorized');
  });

  it('refuses a malformed credit code with 400, names the reason, and starts nothing', async () => {
    const code = freshCreditCode();
    const wrongCheck = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    const body = application({ applicant: { creditCode: wrongCheck, name: '某公司', phone: '13700000003' } });
    const r = await api.approver!.POST('/v1/applications', { body });
    expect(r.response.status).toBe(400);
    expect(r.error?.errors?.[0]).toMatchObject({ field: 'body.applicant.creditCode' });
    expect(r.error?.detail).toMatch(/check digit/);
    const stored = await database().db.select({ n: count() }).from(cases).where(eq(cases.applicationNo, body.applicationNo));
    expect(stored[0]!.n).toBe(0);
    const trail = await database().db.select({ n: count() }).from(auditEvents).where(eq(auditEvents.applicationNo, body.applicationNo));
    expect(trail[0]!.n).toBe(0);
  });

  it('refuses unknown fields and a role that may not submit', async () => {
    // A field the contract does not have: the typed client would not send it, so it is forced in.
    const unknown = await api.approver!.POST('/v1/applications', { body: { ...application(), priority: 'high' } as Schema<'ApplicationInput'> });
    expect(unknown.response.status).toBe(400);
    const wrongRole = await api.food!.POST('/v1/applications', { body: application() });
    expect(wrongRole.response.status).toBe(403);
  });

  it('takes application numbers only in the department’s own space (unique per approval department), and starts nothing else', async () => {
    for (const applicationNo of [uniqueId('T2026'), `LYG-SJJ-${uniqueId('N')}`, `LYG-SPJX-${uniqueId('N')}`, 'LYG-SPJ-']) {
      const r = await api.approver!.POST('/v1/applications', { body: application({ applicationNo }) });
      expect(r.response.status, applicationNo).toBe(403);
      expect(r.error?.detail).toMatch(/LYG-SPJ may number its applications only in its own space "LYG-SPJ-…"/);
      expect(await database().db.select({ n: count() }).from(cases).where(eq(cases.applicationNo, applicationNo))).toEqual([{ n: 0 }]);
    }
    // The rehearsal region's clerk cannot file in the city department's space, nor the other way round.
    const theirs = application({ itemCode: 'TR-FOOD-01' });
    expect((await api.trainingApprover!.POST('/v1/applications', { body: theirs })).response.status).toBe(403);
    expect((await api.trainingApprover!.POST('/v1/applications', { body: { ...theirs, applicationNo: applicationNoOf('TR', DEMO.training.approvalDepartment) } })).response.status).toBe(201);
  });
});

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
