// A failed statement's values (an applicant's name, phone, credit code, application number)
// must not reach the Temporal UI through an activity's failure, nor the logs. The history keeps
// the failure encrypted (runtime/failure-converter.cjs), but operators read it decoded.
// drizzle reports a failed statement as "Failed query: <sql>\nparams: <values>"; the worker's
// activity interceptor keeps the statement and its cause and drops the values. Real parts: the
// production worker (createWorker) whose database is a closed port, next to the real Temporal
// dev server, and — to show the leak is real — the same worker without the interceptor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { ProtoFailure } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { createActivities } from '../../activities/index.js';
import { createDatabase, type Database } from '../../db/client.js';
import { createWorker, productionDeps } from '../../runtime/worker.js';
import { bundlePath, caseInput, closedPort, testConfig, uniqueId, waitFor, testClient, testDataConverter } from '../helpers.js';

let connection: Connection;
let native: NativeConnection;
let client: Client;
let unreachable: Database;
const workers: Array<{ worker: Worker; running: Promise<void> }> = [];
const started: WorkflowHandle[] = [];


beforeAll(async () => {
  const address = testConfig().temporal.address;
  connection = await Connection.connect({ address });
  native = await NativeConnection.connect({ address });
  client = testClient(connection);
  unreachable = createDatabase(`postgres://postgres@127.0.0.1:${await closedPort()}/shenguan`, { max: 2 });
});
afterAll(async () => {
  for (const h of started) await h.terminate('test done').catch(() => {});
  for (const w of workers) {
    w.worker.shutdown();
    await w.running;
  }
  await unreachable?.close();
  await native?.close();
  await connection?.close();
});

/** Starts a case on `taskQueue` and answers its first activity's last failure once it has one, decoded as operators read it. */
async function firstFailure(taskQueue: string, applicationNo: string): Promise<Error> {
  const handle = await client.workflow.start('approvalCase', { taskQueue, workflowId: `case-${applicationNo}`, args: [caseInput({ applicationNo })] });
  started.push(handle);
  let failure: ProtoFailure | undefined;
  await waitFor(async () => {
    const d = await handle.describe();
    failure = d.raw.pendingActivities?.[0]?.lastFailure ?? undefined;
    return !!failure?.message;
  });
  return (await decodeOptionalFailureToOptionalError(loadDataConverter(testDataConverter()), failure))!;
}

describe("an activity's failed statement", () => {
  it('reaches Temporal without its values: the statement and the cause stay', async () => {
    const taskQueue = uniqueId('redact-tq');
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, WORKFLOW_BUNDLE_PATH: bundlePath });
    const worker = await createWorker(config, unreachable, native, client);
    workers.push({ worker, running: worker.run() });
    const applicationNo = uniqueId('REDACT2026');
    const f = await firstFailure(taskQueue, applicationNo);
    expect(f.message).toMatch(/^Failed query: /);
    // The first statement (the item's terms) has the item code as its value.
    for (const text of [f.message, f.stack ?? '']) {
      expect(text).not.toContain('params:');
      expect(text).not.toContain('SP-FOOD-01');
      expect(text).not.toContain(applicationNo);
    }
    // What went wrong is still there.
    expect((f.cause as Error | undefined)?.message).toMatch(/ECONNREFUSED/);
  });

  it('carries its values without the interceptor (the leak the interceptor closes)', async () => {
    const taskQueue = uniqueId('leak-tq');
    const worker = await Worker.create({ connection: native, taskQueue, workflowBundle: { codePath: bundlePath }, activities: createActivities(productionDeps(unreachable, client)), dataConverter: testDataConverter() });
    workers.push({ worker, running: worker.run() });
    const applicationNo = uniqueId('LEAK2026');
    const f = await firstFailure(taskQueue, applicationNo);
    expect(f.message).toContain('params:');
    expect(f.message).toContain('SP-FOOD-01');
  });
});
