// A task SMS the gateway refuses for good does not leave the task unseen: it is marked failed
// on the record and the department head is told at once.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { createEmbeddedSms } from '../../activities/adapters/sms.js';
import { PROVIDER_REJECTED } from '../../activities/adapters/http.js';
import { notifications } from '../../db/schema/index.js';
import type { approvalCase } from '../../workflows/approvalCase.js';
import { caseStateQuery, decideUpdate, taskId as taskIdOf } from '../../workflows/contracts.js';
import { approver, caseInput, createTestWorker, useTimeSkippingEnv, database, testDeps, uniqueId, waitFor, DEMO } from '../helpers.js';

const env = useTimeSkippingEnv();

describe('a refused task SMS', () => {
  it('is failed on the record and escalated to the department head', async () => {
    const embedded = createEmbeddedSms(database().db);
    // The gateway refuses the division admin's number (e.g. unsubscribed), accepts the rest.
    const sms = {
      send: async (m: { outId: string; phone: string; body: string }) => {
        if (m.phone === '13800000011') throw ApplicationFailure.create({ type: PROVIDER_REJECTED, message: 'number unreachable (状态码 MK:0012)', nonRetryable: true });
        return embedded.send(m);
      },
    };
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { sms }));
    await worker.runUntil(async () => {
      const input = caseInput();
      const handle = await env.client.workflow.start<typeof approvalCase>('approvalCase', { workflowId: `case-${input.applicationNo}`, taskQueue, args: [input] });
      await waitFor(async () => (await handle.query(caseStateQuery)).stage === 'awaiting-decision');
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '准予许可', actor: approver }] });
      const id = taskIdOf(input.applicationNo, DEMO.market);
      const row = (key: string) => database().db.select().from(notifications).where(eq(notifications.businessKey, key));
      // The escalation is written as pending, then sent: wait for it to leave pending.
      await waitFor(async () => ['sent', 'failed'].includes((await row(`${id}:notice-failed`))[0]?.status ?? 'absent'));
      expect((await row(`${id}:claim-notice`))[0]).toMatchObject({ status: 'failed' });
      expect((await row(`${id}:notice-failed`))[0]).toMatchObject({ status: 'sent', recipientPhone: '13900000002' });
    });
  });
});
