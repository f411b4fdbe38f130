// Personal data out of Temporal (issue #24): the applicant's name and phone are in no history a
// Temporal user can read without the codec — inputs, activity inputs and results, details,
// summaries, search attributes — while the codec still reads the case back whole.
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { claimUpdate } from '../../workflows/contracts.js';
import type { ApprovalCaseInput } from '../../workflows/contracts.js';
import { approveNewCase, createTestWorker, database, freshCreditCode, foodDivision, testDataConverter, testDeps, texts, uniqueId, useTimeSkippingEnv } from '../helpers.js';

const env = useTimeSkippingEnv();
const name = '连云港隐私测试食品店';
const phone = '13712345678';

describe('personal data in Temporal', () => {
  it('no name or phone in the case and task histories without the codec; the codec reads the input back', async () => {
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client }));
    await worker.runUntil(async () => {
      const { caseHandle, task, input } = await approveNewCase(env, taskQueue, { applicant: { creditCode: freshCreditCode(), name, phone } });
      await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      for (const h of [caseHandle, task]) {
        const all = texts(await h.fetchHistory()).join('\n');
        expect(all).not.toContain(name);
        expect(all).not.toContain(phone);
        // The enterprise's code is its public id: the task carries it as a search attribute.
        if (h === task) expect(all).toContain(input.applicant.creditCode);
      }
      // With the codec the operator reads the case whole.
      const started = (await caseHandle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]! as Payload;
      const [decoded] = await testDataConverter().payloadCodecs![0]!.decode([started]);
      expect(defaultPayloadConverter.fromPayload<ApprovalCaseInput>(decoded!).applicant).toMatchObject({ name, phone });
      await task.terminate('test done');
      await caseHandle.terminate('test done').catch(() => undefined);
    });
  });
});
