// Rectification rounds (整改 → 复查) on a time-skipping server of their own: a second round
// continues as new, and the case closes once the task ends rectified.
import { describe, expect, it } from 'vitest';
import { eq, like } from 'drizzle-orm';
import { auditEvents, creditRecords, tasks } from '../../db/schema/index.js';
import { loadCalendarData } from '../../db/calendar.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { monthsDeadline } from '../../workflows/domain/deadlines.js';
import {
  FailureType,
  claimUpdate,
  decideUpdate,
  feedbackUpdate,
  inspectionUpdate,
  reinspectionUpdate,
  taskId as taskIdOf,
  taskStateQuery,
} from '../../workflows/contracts.js';
import { activityKinds, approver, useTimeSkippingEnv, useFileWorker, sentFor, refusalType, startCaseAwaitingDecision, database, keepHistory, uniqueId, waitFor, DEMO } from '../helpers.js';

const env = useTimeSkippingEnv();
const taskQueue = uniqueId('tq');
useFileWorker(env, taskQueue);

const housing = { sub: 'supervision:housing', role: 'supervision' as const, department: DEMO.housing, division: DEMO.housingDivision };
const db = () => database().db;

const withWorker = (fn: (taskQueue: string) => Promise<void>) => fn(taskQueue);


describe('rectification rounds', () => {
  it('a second round continues as new and ends rectified; the case closes with the result received', async () => {
    await withWorker(async (tq) => {
      const { input, handle } = await startCaseAwaitingDecision(env, tq, { itemCode: 'SP-BUILD-01', route: 'commitment', commitment: { scenario: 'post-verification', text: '承诺具备施工条件' } });
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '当场发证', actor: approver }] });
      const id = taskIdOf(input.applicationNo, DEMO.housing);
      await waitFor(async () => (await db().select().from(tasks).where(eq(tasks.taskId, id))).length === 1);
      const task = env.client.workflow.getHandle(id);
      await task.executeUpdate(claimUpdate, { args: [{ actor: housing }] });
      await task.executeUpdate(inspectionUpdate, { args: [{ actor: housing, finishedAt: new Date(await env.currentTimeMs()).toISOString(), findings: '承诺不实' }] });
      const firstRunId = (await task.describe()).runId;
      const ordered = await task.executeUpdate(feedbackUpdate, { args: [{ actor: housing, result: 'commitment-untrue', note: '与承诺不符' }] });
      expect(ordered).toMatchObject({ status: 'rectifying', round: 1 });
      // The default order is the policy's period: one calendar month from the order (民法典
      // arts. 200-203; a rest day moves it to the next working day), counted from the moment its
      // step is on the trail. (The test said 22 working days, which agreed with one month only
      // on some days of the year.)
      const [order] = await db().select({ at: auditEvents.at }).from(auditEvents).where(eq(auditEvents.eventKey, `${id}:rectification:1`));
      const calendar = new WorkingCalendar(await loadCalendarData(db()));
      expect(ordered.rectificationDueAt).toBe(monthsDeadline(calendar, order!.at, 1).dueAt);

      const early = await task.executeUpdate(claimUpdate, { args: [{ actor: housing }] }).catch((e: unknown) => e);
      expect(refusalType(early)).toBe(FailureType.InvalidState);
      await env.sleep(Date.parse(ordered.rectificationDueAt!) - (await env.currentTimeMs()) + 60_000);
      await waitFor(async () => (await task.query(taskStateQuery)).status === 'awaiting-reinspection');
      await waitFor(async () => (await sentFor(input.applicationNo)).includes(`${id}:reinspection-notice:1`));

      const second = new Date((await env.currentTimeMs()) + 3 * 86_400_000).toISOString();
      await task.executeUpdate(reinspectionUpdate, { args: [{ actor: housing, rectified: false, note: '部分整改', rectificationDeadline: second }] });
      await waitFor(async () => (await task.describe()).runId !== firstRunId);
      await keepHistory('supervisionTask/rectification-round-1-continued', env.client.workflow.getHandle(id, firstRunId));
      await waitFor(async () => (await task.query(taskStateQuery)).round === 2);

      await task.executeUpdate(reinspectionUpdate, { args: [{ actor: housing, rectified: true, note: '已整改到位' }] });
      // The later round's run records its updates locally too, as the run that pushed the task.
      expect((await activityKinds(env.client.workflow.getHandle(id, firstRunId))).local).toEqual(['recordClaim', 'recordInspection', 'recordFeedback', 'orderRectification', 'recordReinspection', 'orderRectification']);
      expect((await activityKinds(task)).local).toEqual(['recordReinspection']);
      const result = await handle.result();
      expect(result.closeReason).toBe('every supervision task closed');
      expect((await db().select().from(tasks).where(eq(tasks.taskId, id)))[0]).toMatchObject({ status: 'closed', outcome: 'rectified', rectificationRound: 2 });
      expect((await db().select().from(creditRecords).where(like(creditRecords.businessKey, `${input.applicationNo}:credit:%`))).map((r) => r.kind)).toEqual(['commitment-kept']);
      const history = await handle.fetchHistory();
      expect(history.events!.length).toBeLessThan(500);
      await keepHistory('approvalCase/post-verification-rectified', handle);
      await keepHistory('supervisionTask/rectification-round-2-rectified', task);
    });
  });
});
