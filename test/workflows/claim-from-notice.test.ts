// 提醒短信发出后 (seed 003 §9): the claim window counts from the SMS that announced the task. Here
// the SMS gateway is down from the push until after midnight (Asia/Shanghai): the message goes
// out the next day, through Temporal's retries, and the claim deadline counts from that day —
// on the task's record. On the time-skipping test server, with the real embedded gateway behind
// an outage.
import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, notifications, tasks } from '../../db/schema/index.js';
import { loadCalendarData, regionData } from '../../db/calendar.js';
import { createEmbeddedSms } from '../../activities/adapters/sms.js';
import { TransientProviderError } from '../../activities/adapters/http.js';
import { claimDue } from '../../activities/policy.js';
import { decideUpdate, taskId as taskIdOf } from '../../workflows/contracts.js';
import { WorkingCalendar, endOfShanghaiDay, shanghaiDayOf } from '../../workflows/domain/working-days.js';
import { DEMO, approver, createTestWorker, database, serverClock, startCaseAwaitingDecision, testDeps, uniqueId, useTimeSkippingEnv, waitFor } from '../helpers.js';

const env = useTimeSkippingEnv();

describe('the claim window', () => {
  it('counts from the task SMS when it went out on a later day than the push', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    // The push at 23:45 (Asia/Shanghai), the gateway back at 00:15: a short outage over midnight.
    const midnight = endOfShanghaiDay(shanghaiDayOf(new Date(await env.currentTimeMs()))).getTime();
    await env.sleep(Math.max(0, midnight - 15 * 60_000 - (await env.currentTimeMs())));
    const back = midnight + 15 * 60_000;
    const embedded = createEmbeddedSms(db);
    const sms = {
      send: async (m: Parameters<typeof embedded.send>[0]) => {
        if (m.outId.endsWith(':claim-notice') && serverClock().getTime() < back) throw new TransientProviderError('gateway unavailable (test outage)');
        return embedded.send(m);
      },
    };
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database(), { temporal: env.client, sms }));
    await worker.runUntil(async () => {
      const { input, handle } = await startCaseAwaitingDecision(env, taskQueue);
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '准予许可', actor: approver }] });
      const id = taskIdOf(input.applicationNo, DEMO.market);
      const row = async () => (await db.select().from(tasks).where(eq(tasks.taskId, id)))[0];
      await waitFor(async () => (await row()) !== undefined);
      const pushed = (await row())!;
      expect(shanghaiDayOf(pushed.pushedAt)).toBeLessThan(shanghaiDayOf(new Date(back)));

      await env.sleep(back - (await env.currentTimeMs()) + 5 * 60_000);
      await waitFor(async () => (await db.select().from(notifications).where(eq(notifications.businessKey, `${id}:claim-notice`)))[0]?.status === 'sent');
      const [notice] = await db.select().from(notifications).where(eq(notifications.businessKey, `${id}:claim-notice`));
      expect(notice!.sentAt!.getTime()).toBeGreaterThanOrEqual(back);
      const calendar = new WorkingCalendar(regionData(await loadCalendarData(db), null));
      const fromPush = claimDue(calendar, pushed.policy!, pushed.pushedAt).dueAt;
      const fromSms = claimDue(calendar, pushed.policy!, notice!.sentAt!).dueAt;
      await waitFor(async () => (await row())!.claimDueAt.toISOString() === fromSms);
      const moved = await db.select().from(auditEvents).where(and(eq(auditEvents.taskId, id), eq(auditEvents.eventKey, `${id}:claim-from-notice`)));
      // The day after the push a working day: a later deadline, on the record (a Friday push is not moved by a Saturday SMS).
      expect(moved).toHaveLength(fromSms === fromPush ? 0 : 1);
      if (fromSms !== fromPush) expect(moved[0]!.summary).toContain('the window counts from the task SMS');
      await env.client.workflow.getHandle(id).terminate('test done');
      await handle.terminate('test done').catch(() => undefined);
    });
  });
});
