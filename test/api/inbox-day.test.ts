// The supervision side's day on the real parts (dev server, worker, PostgreSQL): a division opens
// a task and reads the dossier pushed with it — a 事后核查 division the commitment it must verify —
// claims a screenful of tasks in one request, each answered on its own, and sees a task overdue
// the moment its claim deadline passes although the worker that would mark it is stopped; when a
// worker comes back, the workflow's timer still does what a missed deadline does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { cases, notifications, tasks } from '../../db/schema/index.js';
import { taskId as taskIdOf, type SupervisionTaskInput } from '../../workflows/contracts.js';
import type { PolicySnapshot } from '../../workflows/domain/policy.js';
import { applicationNoOf, approver, createTestWorker, database, foodDivision, freshCreditCode, insertCaseRow, testConfig, testDeps, tokenFor, uniqueId, waitFor, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

let app: FastifyInstance;
let harness: ApiHarness;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('day-tq') });
const housing: Principal = { sub: 'supervision:lyg-zjj-jzsc', role: 'supervision', department: DEMO.housing, division: DEMO.housingDivision };
const tokens = { approver: '', food: '', housing: '', operator: '' };
const PHONE = '13700000041';

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  tokens.approver = await tokenFor(config, approver);
  tokens.food = await tokenFor(config, foodDivision);
  tokens.housing = await tokenFor(config, housing);
  tokens.operator = await tokenFor(config, { sub: 'ops', role: 'operator' });
});
afterAll(() => harness?.stop());

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) => app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: payload as never });
const claimNoticeSent = async (taskId: string) => (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-notice`))).length === 1;

/** Submits and approves a case of `itemCode`; answers once its task (to `department`) awaits the claim with its notice sent. */
async function approvedTask(itemCode: string, department: string, extra: Record<string, unknown> = {}) {
  const applicationNo = applicationNoOf('DAY');
  const applicant = { creditCode: freshCreditCode(), name: '一日测试有限公司', phone: PHONE };
  const submitted = await call('POST', '/v1/applications', tokens.approver, { applicationNo, itemCode, applicant, materials: ['许可申请书', '营业执照复印件'], ...extra });
  expect(submitted.statusCode, submitted.body).toBe(201);
  const decided = await call('POST', `/v1/applications/${applicationNo}/decision`, tokens.approver, { outcome: 'approve', opinion: '材料齐全，准予许可' });
  expect(decided.statusCode, decided.body).toBe(200);
  const taskId = `task-${applicationNo}.${department}`;
  await waitFor(() => claimNoticeSent(taskId), 30_000);
  return { applicationNo, taskId, applicant };
}

describe('the dossier on the task', () => {
  it('a 事后核查 division reads the commitment it must verify, the decision and who took it, the materials, applicant and item by name', async () => {
    const text = '本单位承诺已具备施工条件，安全生产责任制已落实';
    const { taskId, applicant } = await approvedTask('SP-BUILD-01', DEMO.housing, { route: 'commitment', commitment: { scenario: 'post-verification', text } });
    const r = await call('GET', `/v1/tasks/${taskId}`, tokens.housing);
    expect(r.statusCode, r.body).toBe(200);
    const task = r.json();
    expect(task).toMatchObject({ applicantName: applicant.name, itemCode: 'SP-BUILD-01', itemName: '建筑工程施工许可' });
    expect(task.dossier).toEqual({
      pushedAt: expect.any(String),
      materials: [{ name: '许可申请书', document: null }, { name: '营业执照复印件', document: null }],
      decision: { outcome: 'approve', opinion: '材料齐全，准予许可', decidedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), decidedBy: { sub: approver.sub, role: 'approval', department: DEMO.approvalDepartment } },
      commitment: { scenario: 'post-verification', text },
      verification: null, // 材料核验 is not this case's scenario
      applicant: { creditCode: applicant.creditCode, name: applicant.name },
      item: { code: 'SP-BUILD-01', name: '建筑工程施工许可', subItem: '建筑工程施工许可证核发' },
    });
    expect(r.body).not.toContain(PHONE);
    // Another department's division does not see it, nor anything of it.
    const stranger = await call('GET', `/v1/tasks/${taskId}`, tokens.food);
    expect(stranger.statusCode).toBe(403);
    expect(stranger.body).not.toContain(text);
  });

  it('a standard case has no commitment in its dossier', async () => {
    const { taskId } = await approvedTask('SP-FOOD-01', DEMO.market);
    const task = (await call('GET', `/v1/tasks/${taskId}`, tokens.food)).json();
    expect(task.dossier).toMatchObject({ commitment: null, decision: { outcome: 'approve' }, item: { code: 'SP-FOOD-01', name: '食品经营许可' } });
  });
});

describe('bulk claim', () => {
  type Result = { taskId: string; status: number; detail?: string; task?: { status: string; claimedBy: string | null } };
  const bulk = async (token: string, taskIds: string[]) => call('POST', '/v1/tasks/claim', token, { taskIds });

  it('claims each task as the single claim would, in order, each answered on its own', async () => {
    const [open, taken, other] = await Promise.all([approvedTask('SP-FOOD-01', DEMO.market), approvedTask('SP-FOOD-01', DEMO.market), approvedTask('SP-MEDDEV-01', DEMO.market, { route: 'standard' })]);
    expect((await call('POST', `/v1/tasks/${taken.taskId}/claim`, tokens.food)).statusCode).toBe(200);
    const missing = `task-${applicationNoOf('NOPE')}.${DEMO.market}`;
    const r = await bulk(tokens.food, [open.taskId, taken.taskId, other.taskId, missing, open.taskId]);
    expect(r.statusCode, r.body).toBe(200);
    const results = (r.json() as { results: Result[] }).results;
    expect(results.map((x) => [x.taskId, x.status])).toEqual([[open.taskId, 200], [taken.taskId, 409], [other.taskId, 403], [missing, 404], [open.taskId, 409]]);
    expect(results[0]!.task).toMatchObject({ status: 'claimed', claimedBy: foodDivision.sub });
    expect(results[1]!.detail).toMatch(/already claimed/);
    expect(results[2]!.detail).toMatch(/belongs to division LYG-SJJ-YLQX/);
    expect(results[3]!.detail).toMatch(/does not exist/);
    // The refused one is untouched; the claimed one is claimed once, on its trail.
    expect((await call('GET', `/v1/tasks/${other.taskId}`, tokens.operator)).json()).toMatchObject({ status: 'awaiting-claim', claimedBy: null });
    const claimedSteps = (await call('GET', `/v1/tasks/${open.taskId}`, tokens.food)).json().history.filter((e: { kind: string }) => e.kind === 'task-claimed');
    expect(claimedSteps).toHaveLength(1);
  });

  it('of two bulk claims of the same task at once, exactly one wins', async () => {
    const { taskId } = await approvedTask('SP-FOOD-01', DEMO.market);
    const answers = await Promise.all([bulk(tokens.food, [taskId]), bulk(tokens.food, [taskId]), call('POST', `/v1/tasks/${taskId}/claim`, tokens.food)]);
    const statuses = [...answers.slice(0, 2).map((a) => (a.json() as { results: Result[] }).results[0]!.status), answers[2]!.statusCode];
    expect(statuses.sort()).toEqual([200, 409, 409]);
  });

  it('the static path is routed to the bulk claim, not taken for a task id', async () => {
    expect(app.hasRoute({ method: 'POST', url: '/v1/tasks/claim' })).toBe(true);
    const r = await bulk(tokens.food, [`task-${applicationNoOf('NOPE')}.${DEMO.market}`]);
    expect(r.json()).toMatchObject({ results: [{ status: 404 }] });
    // GET of that path is the task read's, whose id pattern "claim" does not match.
    const read = await call('GET', '/v1/tasks/claim', tokens.food);
    expect(read.statusCode).toBe(400);
    expect(read.json().detail).toMatch(/taskId/);
  });

  it('refuses a request of no tasks, of more than 50, or with a malformed id; and roles other than supervision', async () => {
    const id = `task-${applicationNoOf('NOPE')}.${DEMO.market}`;
    expect((await bulk(tokens.food, [])).statusCode).toBe(400);
    expect((await bulk(tokens.food, Array.from({ length: 51 }, () => id))).statusCode).toBe(400);
    expect((await bulk(tokens.food, ['claim'])).statusCode).toBe(400);
    expect((await bulk(tokens.operator, [id])).statusCode).toBe(403);
    expect((await bulk(tokens.food, Array.from({ length: 50 }, () => id))).json().results).toHaveLength(50);
  });
});

describe('overdue from the clock, while the worker is stopped', () => {
  const policy: PolicySnapshot = { code: 'training', unit: 'minute', officeTime: '09:00', claimWindow: 3, feedbackWindow: 5, claimRemindBefore: 1, feedbackRemindBefore: 1, claimEscalateTo: ['department-head', 'coordinating-office'], rectificationPeriod: 10 };

  it('a task reads overdue the moment its claim deadline passes; the workflow marks and escalates it when a worker is back', { timeout: 90_000 }, async () => {
    const applicationNo = await insertCaseRow('supervising');
    const [c] = await database().db.select().from(cases).where(eq(cases.applicationNo, applicationNo));
    const taskId = taskIdOf(applicationNo, DEMO.market);
    const openedAt = new Date();
    // A claim window of seconds (the task keeps what the push opened): long enough for the push and its notice.
    const dueAt = new Date(openedAt.getTime() + 10_000);
    const input: SupervisionTaskInput = {
      taskId, origin: { kind: 'approval', no: applicationNo, workflowId: `case-${applicationNo}`, dossierId: 0 }, departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision,
      creditCode: c!.applicantCreditCode, applicantName: c!.applicantName, itemCode: 'SP-FOOD-01', itemName: '食品经营许可', regionCode: DEMO.region,
      claimWindow: { openedAt: openedAt.toISOString(), dueAt: dueAt.toISOString(), provisional: false, remindAt: null, period: '10 seconds (test)', policy },
    };
    const queue = uniqueId('behind-tq');
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    const deps = testDeps(database(), { clock: () => new Date(), temporal: harness.client });
    const handle = await harness.client.workflow.start('supervisionTask', { workflowId: taskId, taskQueue: queue, args: [input] });
    let worker: Worker | undefined;
    try {
      worker = await createTestWorker(connection, queue, deps);
      await worker.runUntil(waitFor(() => claimNoticeSent(taskId), 30_000));
      const before = (await call('GET', `/v1/tasks/${taskId}`, tokens.food)).json();
      expect(Date.now()).toBeLessThan(dueAt.getTime());
      expect(before).toMatchObject({ status: 'awaiting-claim', claimOverdue: false, nextDeadline: { kind: 'claim', dueAt: dueAt.toISOString(), overdue: false } });

      // No worker polls the queue across the deadline: the timer fires, nobody runs what follows.
      await new Promise((r) => setTimeout(r, dueAt.getTime() - Date.now() + 500));
      const after = (await call('GET', `/v1/tasks/${taskId}`, tokens.food)).json();
      expect(after).toMatchObject({ status: 'awaiting-claim', claimOverdue: true, nextDeadline: { kind: 'claim', overdue: true } });
      const listed = (await call('GET', `/v1/tasks?applicationNo=${applicationNo}&overdue=true`, tokens.food)).json();
      expect(listed.items.map((t: { taskId: string }) => t.taskId)).toEqual([taskId]);
      const row = async () => (await database().db.select().from(tasks).where(eq(tasks.taskId, taskId)))[0]!;
      expect((await row()).claimOverdue).toBe(false);
      expect(await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-escalation`))).toHaveLength(0);

      // A worker again: the workflow's timer drives the effects — the mark and the escalation.
      worker = await createTestWorker(connection, queue, deps);
      await worker.runUntil(waitFor(async () => (await row()).claimOverdue && (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-escalation`))).length === 1, 45_000));
      expect((await call('GET', `/v1/tasks/${taskId}`, tokens.food)).json()).toMatchObject({ claimOverdue: true, nextDeadline: { overdue: true } });
    } finally {
      await handle.terminate('test done').catch(() => undefined);
      await connection.close();
    }
  });
});
