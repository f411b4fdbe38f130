// Shared test wiring: the real PostgreSQL and Temporal servers `npm test` started, the
// workflow bundle built once, and the real activities with a clock that follows server time.
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Client, type Connection, type WorkflowHandle, type WorkflowUpdateFailedError } from '@temporalio/client';
import { defaultPayloadConverter, type ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal as proto } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { createEmbeddedSms } from '../activities/adapters/sms.js';
import { createEmbeddedCredit } from '../activities/adapters/credit.js';
import { createEmbeddedCreditPlatform } from '../activities/adapters/credit-platform.js';
import { createEmbeddedElicence } from '../activities/adapters/elicence.js';
import { databaseCalendar } from '../activities/calendar.js';
import { createDatabase, type Database } from '../db/client.js';
import { loadConfig, projectRoot, type AppConfig } from '../runtime/config.js';
import { dataConverter } from '../runtime/temporal.js';
import { clientInterceptors } from '../runtime/tracing.js';
import { workerInterceptors } from '../runtime/worker.js';
import { signDevToken, type Principal } from '../api/auth.js';
import { DEMO, demoCreditCode } from '../scripts/seed.js';
import { creditCodeCheckChar } from '../workflows/domain/credit-code.js';
import { caseStateQuery, decideUpdate, taskId as taskIdOf, type ApprovalCaseInput } from '../workflows/contracts.js';
import type { approvalCase } from '../workflows/approvalCase.js';
import { eq, like } from 'drizzle-orm';
import { auditEvents, cases, notifications, tasks } from '../db/schema/index.js';

export { DEMO };

// Workers log at WARN in tests, so a failing test's output is about the failure.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process by an earlier test file
}

export const bundlePath = path.join(process.env.TEST_RUN_DIR ?? path.join(projectRoot, '.data', 'test'), 'workflow-bundle.js');

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({ ...process.env, ...overrides });
}

let shared: Database | undefined;
/** One pool per test file; closed by the file's afterAll through closeDatabase(). */
export function database(): Database {
  shared ??= createDatabase(process.env.DATABASE_URL!, { max: 5 });
  return shared;
}
export async function closeDatabase(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

/**
 * "Now" for activities under test: the time the server scheduled the attempt, which follows
 * the time-skipping server's clock; the wall clock outside an activity.
 */
export function serverClock(): Date {
  try {
    return new Date(Context.current().info.currentAttemptScheduledTimestampMs);
  } catch {
    return new Date();
  }
}

export function testDeps(db: Database, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    db: db.db,
    sms: createEmbeddedSms(db.db),
    credit: createEmbeddedCredit(db.db),
    creditPlatform: createEmbeddedCreditPlatform(db.db),
    elicence: createEmbeddedElicence(db.db),
    calendar: databaseCalendar(db.db),
    clock: serverClock,
    ...overrides,
  };
}

/** The data converter of the tests' clients and workers: the product's, with the fixture key (vitest.config.ts). */
export const testDataConverter = () => dataConverter(testConfig());

/** A client as the product's processes make them (encrypting payloads). */
export const testClient = (connection: Connection, namespace = testConfig().temporal.namespace) => new Client({ connection, namespace, dataConverter: testDataConverter(), interceptors: clientInterceptors() });

export async function createTestWorker(connection: NativeConnection, taskQueue: string, deps: ActivityDeps, extra: Partial<WorkerOptions> = {}): Promise<Worker> {
  return Worker.create({
    connection,
    taskQueue,
    workflowBundle: { codePath: bundlePath },
    activities: createActivities(deps),
    dataConverter: testDataConverter(),
    // As production workers have them: tracing and redaction (the bundle has the workflow side).
    ...workerInterceptors(false),
    ...extra,
  });
}

export const uniqueId = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
/** A fresh application number in an approval department's own space (`<department>-…`). */
export const applicationNoOf = (label: string, department: string = DEMO.approvalDepartment) => `${department}-${uniqueId(label)}`;

/** A loopback port nothing listens on (bound, then released): for a client that must find nothing there. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A fresh, valid credit code per test so portraits and counts do not mix between tests. */
export function freshCreditCode(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  let body = '91320700';
  for (let i = 0; i < 9; i++) body += alphabet[Math.floor(Math.random() * alphabet.length)];
  return body + creditCodeCheckChar(body);
}

export { demoCreditCode };

export function caseInput(overrides: Partial<ApprovalCaseInput> = {}): ApprovalCaseInput {
  const applicationNo = overrides.applicationNo ?? uniqueId('T2026');
  return {
    applicationNo,
    itemCode: 'SP-FOOD-01',
    applicant: { creditCode: freshCreditCode(), name: '连云港测试食品有限公司', phone: '13700000001' },
    materials: [{ name: '食品经营许可申请书' }],
    route: 'auto',
    requestHash: `hash-${applicationNo}`,
    submittedBy: { sub: 'approval:clerk', role: 'approval', department: DEMO.approvalDepartment },
    ...overrides,
  };
}

export const approver = { sub: 'approval:clerk', role: 'approval' as const, department: DEMO.approvalDepartment };
export const foodDivision = { sub: 'supervision:food', role: 'supervision' as const, department: DEMO.market, division: DEMO.marketFoodDivision };
/** The food division's admin (处室负责人): may delegate its tasks (委派, docs/delegation.md). */
export const foodDivisionAdmin = { ...foodDivision, sub: 'supervision:food-admin', divisionAdmin: true };
/** The rehearsal region's own people (培训演练): its items never reach a live department. */
export const trainingApprover = { sub: 'approval:training-clerk', role: 'approval' as const, department: DEMO.training.approvalDepartment };
export const trainingFoodDivision = { sub: 'supervision:training-food', role: 'supervision' as const, department: DEMO.training.market, division: DEMO.training.marketFoodDivision };
export const trainingHousing = { sub: 'supervision:training-housing', role: 'supervision' as const, department: DEMO.training.housing, division: DEMO.training.housingDivision };
export const healthDivision = { sub: 'supervision:health', role: 'supervision' as const, department: DEMO.health, division: DEMO.healthDivision };

export async function tokenFor(config: AppConfig, p: Principal): Promise<string> {
  return signDevToken(config, p);
}

const INDEXED: Record<string, proto.api.enums.v1.IndexedValueType> = {
  Keyword: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Text: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Int: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The time-skipping server, with the project's search attributes registered as on the dev server. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } },
    client: { dataConverter: testDataConverter() },
  });
  const attrs = testConfig().temporal.searchAttributes;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.entries(attrs).map(([k, t]) => [k, INDEXED[t]!])),
  });
  return env;
}

/**
 * The file's time-skipping server: started before its tests and torn down after them, with the
 * file's database pool. What it returns can be used from the top of the file on: it stands in
 * for the server, which exists once beforeAll has run.
 */
export function useTimeSkippingEnv(): TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
    await closeDatabase();
  });
  return new Proxy({} as TestWorkflowEnvironment, {
    get(_, key) {
      if (!env) throw new Error('the time-skipping server starts in beforeAll');
      const value = Reflect.get(env, key, env) as unknown;
      return typeof value === 'function' ? value.bind(env) : value;
    },
  });
}

/**
 * One worker on `taskQueue` for the whole file (after `useTimeSkippingEnv`): a case left running
 * by one test still has timers, and the test server stops skipping time while any of its work
 * waits for a worker.
 */
export function useFileWorker(env: TestWorkflowEnvironment, taskQueue: string): void {
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
    running = worker.run();
  });
  afterAll(async () => {
    // Hooks after the tests run in reverse order: the worker stops before the server goes.
    worker?.shutdown();
    await running;
  });
}

/**
 * Every string and every byte string of a history, as text: what a Temporal user reads without
 * the codec (a payload left unencrypted shows its contents).
 */
export function texts(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'), Buffer.from(value).toString('latin1'));
  else if (Array.isArray(value)) for (const v of value) texts(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) texts(v, out);
  return out;
}

export const historiesDir = path.join(projectRoot, 'test', 'histories');

// Loaded through require so it shares the protobuf types of the client's CommonJS build.
const { historyToJSON } = createRequire(import.meta.url)('@temporalio/common/lib/proto-utils') as typeof import('@temporalio/common/lib/proto-utils.js');

/**
 * With RECORD_HISTORIES=1, keeps a workflow's history as test/histories/<workflow>/<scenario>.json
 * (`name` is `<workflow>/<scenario>`) so the replay test
 * proves later code still replays it (STYLE.md §8). Record once per branch, then commit.
 */
export async function keepHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const file = path.join(historiesDir, `${name}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, historyToJSON(await handle.fetchHistory()));
}

/** The activity types a workflow ran as activity tasks, and as local activities, in order. */
export async function activityKinds(h: WorkflowHandle): Promise<{ tasks: string[]; local: string[] }> {
  const events = (await h.fetchHistory()).events ?? [];
  const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : []));
  const local = events.flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_local_activity') return [];
    // The marker's `data` is the SDK core's record of the run: { seq, attempt, activity_type, … }.
    return [defaultPayloadConverter.fromPayload<{ activity_type: string }>(m.details!.data!.payloads![0]!).activity_type];
  });
  return { tasks: scheduled, local };
}

/** The SgStage values a workflow upserted, in order (its UpsertWorkflowSearchAttributes events). */
export async function stageUpserts(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  const out: string[] = [];
  for (const e of history.events ?? []) {
    const field = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.SgStage;
    // A typed Keyword is one string; the untyped form was a list of them.
    if (field?.data) out.push(...([] as string[]).concat(JSON.parse(new TextDecoder().decode(field.data)) as string | string[]));
  }
  return out;
}

/** The first answer of `probe` that is not null, undefined or false, polled; `what` names it when it never comes. */
export async function waitForValue<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  for (const start = Date.now(); ; await new Promise((r) => setTimeout(r, 100))) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
  }
}

export async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      if (await predicate()) return;
    } catch {
      // the workflow may not have started its first task yet
    }
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function notificationsFor(taskId: string): Promise<number> {
  return (await database().db.select().from(notifications).where(like(notifications.businessKey, `${taskId}:%`))).length;
}

/** The business keys of the messages sent about an application, sorted. */
export async function sentFor(applicationNo: string): Promise<string[]> {
  return (await database().db.select({ k: notifications.businessKey }).from(notifications).where(eq(notifications.applicationNo, applicationNo))).map((n) => n.k).sort();
}

/** The failure type a workflow update was refused with. */
export const refusalType = (e: unknown) => ((e as WorkflowUpdateFailedError).cause as ApplicationFailure).type;

/** Starts a case on a test environment and waits until it awaits its decision. */
export async function startCaseAwaitingDecision(env: TestWorkflowEnvironment, taskQueue: string, overrides: Partial<ApprovalCaseInput> = {}) {
  const input = caseInput(overrides);
  const handle = await env.client.workflow.start<typeof approvalCase>('approvalCase', { workflowId: `case-${input.applicationNo}`, taskQueue, args: [input] });
  await waitFor(async () => (await handle.query(caseStateQuery)).stage === 'awaiting-decision');
  return { input, handle };
}

/** Starts a case on a test environment, approves it, and returns its one supervision task. */
export async function approveNewCase(env: TestWorkflowEnvironment, taskQueue: string, overrides: Partial<ApprovalCaseInput> = {}) {
  const { input, handle: caseHandle } = await startCaseAwaitingDecision(env, taskQueue, overrides);
  await caseHandle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '材料齐全，准予许可', actor: approver }] });
  const id = taskIdOf(input.applicationNo, DEMO.market);
  await waitFor(async () => (await database().db.select().from(tasks).where(eq(tasks.taskId, id))).length === 1 && (await notificationsFor(id)) === 1);
  return { input, caseHandle, task: env.client.workflow.getHandle(id), taskId: id };
}

/**
 * A claimed task opens its inspection window (an activity): a test lets it finish, and the task
 * take its answer (a workflow task completed after it), before its worker stops — or the
 * time-skipping server waits for that work on a queue nobody polls and stops skipping.
 */
export async function inspectionOpened(task: WorkflowHandle, taskId: string): Promise<void> {
  await waitFor(async () => (await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${taskId}:inspection-due`))).length === 1);
  await waitFor(async () => {
    const events = (await task.fetchHistory()).events ?? [];
    const answered = events.map((e) => Boolean(e.activityTaskCompletedEventAttributes)).lastIndexOf(true);
    return answered >= 0 && events.slice(answered).some((e) => e.workflowTaskCompletedEventAttributes);
  });
}

/** A case row of item SP-FOOD-01 in the read model, for activity tests that start past registration. */
export async function insertCaseRow(stage = 'licensed'): Promise<string> {
  const applicationNo = uniqueId('ACT2026');
  await database().db.insert(cases).values({ applicationNo, workflowId: `case-${applicationNo}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: DEMO.approvalDepartment, regionCode: '320700', applicantCreditCode: freshCreditCode(), applicantName: '某公司', applicantPhone: '13700000005', requestedRoute: 'auto', requestHash: 'h', stage, submittedBy: 'test' });
  return applicationNo;
}
