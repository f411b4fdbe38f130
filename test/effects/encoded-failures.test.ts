// Failures are encrypted like payloads (runtime/failure-converter.cjs): an error that names a
// person shows in the history as "Encoded failure", and the product's clients (and the UI,
// through the codec server) read it whole. Real parts: the test dev server, the tests' workflow
// bundle, approvalCase and its activities; only the credit platform is a fake, one that refuses
// with a name in its message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { CreditAdapter } from '../../activities/adapters/credit.js';
import { caseInput, closeDatabase, createTestWorker, database, testClient, testConfig, testDeps, texts, uniqueId } from '../helpers.js';

const name = '王测试明'; // a made-up person

let connection: Connection;
let native: NativeConnection;

beforeAll(async () => {
  const address = testConfig().temporal.address;
  connection = await Connection.connect({ address });
  native = await NativeConnection.connect({ address });
});
afterAll(async () => {
  await native?.close();
  await connection?.close();
  await closeDatabase();
});

describe('a failure that names a person', () => {
  it('is "Encoded failure" in the history read without the codec, and whole through the product\'s client', async () => {
    const taskQueue = uniqueId('encoded-failure-tq');
    const refusing: CreditAdapter = {
      query: async () => {
        throw ApplicationFailure.nonRetryable(`the credit platform lists ${name} as the legal representative of a dishonest enterprise`, 'CreditRefused');
      },
    };
    const worker = await createTestWorker(native, taskQueue, testDeps(database(), { credit: refusing }));
    const input = caseInput();
    const workflowId = `case-${input.applicationNo}`;
    const err = await worker.runUntil(testClient(connection).workflow.execute('approvalCase', { taskQueue, workflowId, args: [input] }).catch((e: unknown) => e));

    expect(err).toBeInstanceOf(WorkflowFailedError);
    const activity = (err as WorkflowFailedError).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    expect(activity!.cause).toBeInstanceOf(ApplicationFailure);
    expect((activity!.cause as ApplicationFailure).message).toContain(name);

    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    // JSON for the fields as the UI shows them, and the payloads' bytes as text.
    expect(JSON.stringify(history.events)).not.toContain(name);
    expect(texts(history).join('\n')).not.toContain(name);
    const events = history.events ?? [];
    // The activity's failure (the worker's converter) and the workflow's (the bundle's) alike.
    const activityFailed = events.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes?.failure;
    const workflowFailed = events.find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes?.failure;
    expect(activityFailed?.message).toBe('Encoded failure');
    expect(workflowFailed?.message).toBe('Encoded failure');
    expect(workflowFailed?.cause?.message).toBe('Encoded failure');
  });
});
