// Cluster mode (docs/cluster.md): the same product on the real Temporal server that `npm test`
// runs beside the dev server — PostgreSQL persistence and visibility, several shards — where a
// case on the standard route runs from application to closing over the API, operators find it
// by its search attributes, and a deadline's timer fires in real time (nothing skips it here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq, like } from 'drizzle-orm';
import { cases, notifications, tasks } from '../../db/schema/index.js';
import { taskId as taskIdOf, type SupervisionTaskInput } from '../../workflows/contracts.js';
import type { PolicySnapshot } from '../../workflows/domain/policy.js';
import { run } from '../../scripts/stack/proc.js';
import { NUM_HISTORY_SHARDS, RETENTION_DAYS } from '../../scripts/stack/cluster.js';
import { applicationNoOf, approver, database, foodDivision, freshCreditCode, insertCaseRow, testConfig, tokenFor, uniqueId, waitFor, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from '../api/harness.js';

const address = process.env.TEMPORAL_CLUSTER_ADDRESS;
const namespace = process.env.TEMPORAL_CLUSTER_NAMESPACE ?? 'default';
// Everything of this file talks to the cluster, not to the dev server of the other files.
const config = testConfig({ TEMPORAL_ADDRESS: address ?? '127.0.0.1:1', TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: uniqueId('cluster-tq') });
const tokens = { approver: '', food: '' };
let harness: ApiHarness;
let app: FastifyInstance;

beforeAll(async () => {
  // Not a skip: a run that could not build or start the cluster fails here.
  if (!address) throw new Error('TEMPORAL_CLUSTER_ADDRESS is not set: run the tests with `npm test`, which starts the Temporal cluster');
  harness = await startApiHarness(config);
  app = harness.app;
  tokens.approver = await tokenFor(config, approver);
  tokens.food = await tokenFor(config, foodDivision);
});
afterAll(() => harness?.stop());

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) => app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: payload as never });

describe('the real Temporal server (cluster mode)', () => {
  it('keeps its state in PostgreSQL, over several shards, the namespace keeps a closed case a year, and its UI decodes through the codec', async () => {
    const res = await run(process.env.TEMPORAL_CLI_PATH!, ['operator', 'cluster', 'describe', '--address', address!, '--output', 'json'], { timeoutMs: 30_000, check: true });
    const cluster = JSON.parse(res.stdout) as { persistenceStore: string; visibilityStore: string; historyShardCount: number; serverVersion: string };
    expect(cluster).toMatchObject({ persistenceStore: 'postgres12', visibilityStore: 'postgres12', historyShardCount: NUM_HISTORY_SHARDS, serverVersion: '1.32.1' });
    const ns = await harness.client.workflowService.describeNamespace({ namespace });
    expect(Number(ns.config!.workflowExecutionRetentionTtl!.seconds)).toBe(RETENTION_DAYS * 24 * 3600);
    // Its Web UI, told where the codec server decodes the encrypted payloads.
    const ui = (await (await fetch(`${process.env.TEMPORAL_CLUSTER_UI_URL}/api/v1/settings`)).json()) as { Codec: { Endpoint: string }; Version: string };
    expect(ui.Codec.Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/codec$/);
  });

  it('runs a case on the standard route from application to a closed case, found by its search attributes', { timeout: 120_000 }, async () => {
    const no = applicationNoOf('CL');
    const body = { applicationNo: no, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '连云港集群食品店', phone: '13700000061' }, materials: ['食品经营许可申请书'] };
    const created = await call('POST', '/v1/applications', tokens.approver, body);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ status: 'awaiting-decision', route: 'standard' });
    const decided = await call('POST', `/v1/applications/${no}/decision`, tokens.approver, { outcome: 'approve', opinion: '材料齐全，准予许可' });
    expect(decided.statusCode, decided.body).toBe(200);

    const taskId = taskIdOf(no, DEMO.market);
    await waitFor(async () => (await call('GET', `/v1/tasks/${taskId}`, tokens.food)).json().status === 'awaiting-claim', 30_000);
    const claimed = await call('POST', `/v1/tasks/${taskId}/claim`, tokens.food);
    expect(claimed.statusCode, claimed.body).toBe(200);
    const finishedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const inspected = await call('POST', `/v1/tasks/${taskId}/inspection`, tokens.food, { finishedAt, findings: '现场检查，经营场所与许可一致' });
    expect(inspected.statusCode, inspected.body).toBe(200);
    const fed = await call('POST', `/v1/tasks/${taskId}/feedback`, tokens.food, { result: 'compliant', note: '符合要求' });
    expect(fed.json()).toMatchObject({ status: 'closed', result: 'compliant' });
    await waitFor(async () => (await call('GET', `/v1/applications/${no}`, tokens.approver)).json().stage === 'closed', 30_000);
    const kinds = (await call('GET', `/v1/applications/${no}/events`, tokens.approver)).json().items.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['submitted', 'approved', 'task-pushed', 'task-claimed', 'inspection-finished', 'feedback', 'result-received', 'case-closed']));

    // SQL visibility: the operator's search in the UI, by the project's attributes.
    const found = async () => {
      const ids: Array<[string, string]> = [];
      for await (const w of harness.client.workflow.list({ query: `SgApplicationNo = "${no}" AND ExecutionStatus = "Completed"` })) ids.push([w.workflowId, w.type]);
      return ids.sort();
    };
    await waitFor(async () => (await found()).length === 2, 30_000);
    expect(await found()).toEqual([[`case-${no}`, 'approvalCase'], [taskId, 'supervisionTask']]);
  });

  it('fires a claim deadline on the wall clock: the task is marked overdue and escalated by the workflow’s timer', { timeout: 90_000 }, async () => {
    const policy: PolicySnapshot = { code: 'training', unit: 'minute', officeTime: '09:00', claimWindow: 3, feedbackWindow: 5, claimRemindBefore: 1, feedbackRemindBefore: 1, claimEscalateTo: ['department-head', 'coordinating-office'], rectificationPeriod: 10 };
    const applicationNo = await insertCaseRow('supervising');
    const [c] = await database().db.select().from(cases).where(eq(cases.applicationNo, applicationNo));
    const taskId = taskIdOf(applicationNo, DEMO.market);
    const openedAt = new Date();
    // A claim window of seconds (the task keeps what the push opened), its reminder halfway.
    const [remindAt, dueAt] = [new Date(openedAt.getTime() + 4_000), new Date(openedAt.getTime() + 8_000)];
    const input: SupervisionTaskInput = {
      taskId, origin: { kind: 'approval', no: applicationNo, workflowId: `case-${applicationNo}`, dossierId: 0 }, departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision,
      creditCode: c!.applicantCreditCode, applicantName: c!.applicantName, itemCode: 'SP-FOOD-01', itemName: '食品经营许可', regionCode: DEMO.region,
      claimWindow: { openedAt: openedAt.toISOString(), dueAt: dueAt.toISOString(), provisional: false, remindAt: remindAt.toISOString(), period: '8 seconds (test)', policy },
    };
    const handle = await harness.client.workflow.start('supervisionTask', { workflowId: taskId, taskQueue: config.temporal.taskQueue, args: [input] });
    try {
      // The reminder's key carries its deadline (`…:claim-reminder:<due>`).
      const sent = async (step: string) => (await database().db.select().from(notifications).where(like(notifications.businessKey, `${taskId}:${step}%`))).length > 0;
      const overdue = async () => (await database().db.select().from(tasks).where(eq(tasks.taskId, taskId)))[0]?.claimOverdue === true;
      await waitFor(async () => (await overdue()) && (await sent('claim-escalation')), 45_000);
      // Not before its time: the server's timer, on the wall clock.
      expect(Date.now()).toBeGreaterThanOrEqual(dueAt.getTime());
      expect(await sent('claim-reminder')).toBe(true);
      const fired = (await handle.fetchHistory()).events!.filter((e) => e.timerFiredEventAttributes);
      expect(fired.length).toBeGreaterThanOrEqual(2);
    } finally {
      await handle.terminate('test done').catch(() => undefined);
    }
  });
});
