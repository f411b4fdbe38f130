// 转办 (docs/complaints.md): a ticket no department was competent for reaches the coordinating
// office, which forwards it to the competent department; that one forwards it on. Each hop is on
// the trail, the old task closes as transferred and the new division gets a task of its own; the
// reply deadline stays the one counted from the receipt; the old holder may no longer reply or
// forward; it does not go back, nor past the hop limit, nor after the reply.
import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, complaints, notifications, tasks } from '../../db/schema/index.js';
import { MAX_COMPLAINT_FORWARDS, claimUpdate, complaintWorkflowId, feedbackUpdate, forwardUpdate, inspectionUpdate, intakeUpdate, replyUpdate } from '../../workflows/contracts.js';
import type { complaintCase } from '../../workflows/complaintCase.js';
import type { Actor } from '../../workflows/contracts.js';
import { complaintInput } from '../complaint-fixture.js';
import { DEMO, createTestWorker, database, foodDivision, healthDivision, inspectionOpened, keepHistory, refusalType, testDeps, uniqueId, useTimeSkippingEnv, waitFor } from '../helpers.js';

const env = useTimeSkippingEnv();
const office = { sub: 'supervision:zwb-dbc', role: 'supervision' as const, department: DEMO.coordinatingOffice, division: DEMO.coordinatingDivision };
const housing = { sub: 'supervision:housing', role: 'supervision' as const, department: DEMO.housing, division: DEMO.housingDivision };

describe('complaint forwarding (转办)', () => {
  it('goes from the coordinating office to the competent department and on, each hop on the trail, the reply deadline kept', async () => {
    const { db } = database();
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database()));
    await worker.runUntil(async () => {
      // No item, an enterprise without a case of ours: no department is competent by the catalogs.
      const input = complaintInput({ itemCode: undefined, matter: '反映某公司夜间施工噪声扰民' });
      const no = input.complaintNo;
      const handle = await env.client.workflow.start<typeof complaintCase>('complaintCase', { workflowId: complaintWorkflowId(no), taskQueue, args: [input] });
      const first = await handle.executeUpdate(intakeUpdate, { args: [{ requestHash: input.requestHash }] });
      expect(first).toMatchObject({ departmentCode: DEMO.coordinatingOffice, divisionCode: DEMO.coordinatingDivision, forwards: 0 });
      const forward = (actor: Actor, departmentCode: string, reason: string, divisionCode?: string) => handle.executeUpdate(forwardUpdate, { args: [{ actor, to: { departmentCode, divisionCode }, reason }] });
      const refused = (p: Promise<unknown>) => p.then(() => 'accepted', refusalType);

      // An unknown department changes nothing (the catalog's no).
      expect(await refused(forward(office, 'NO-SUCH-DEPT', '测试'))).toBe('CatalogError');
      expect(await refused(forward(office, DEMO.coordinatingOffice, '测试'))).toBe('Invalid');
      const toHealth = await forward(office, DEMO.health, '噪声扰民属卫健委职责（测试）');
      expect(toHealth).toMatchObject({ status: 'assigned', departmentCode: DEMO.health, divisionCode: DEMO.healthDivision, taskId: `task-${no}.${DEMO.health}`, replyDueAt: first.replyDueAt, forwards: 1 });
      // The office no longer holds it; health does, and may hand it on (not back).
      expect(await refused(forward(office, DEMO.market, '再次转办'))).toBe('Forbidden');
      expect(await refused(handle.executeUpdate(replyUpdate, { args: [{ actor: office, outcome: 'not-competent', text: 'x' }] }))).toBe('Forbidden');
      expect(await refused(forward(healthDivision, DEMO.coordinatingOffice, '退回'))).toBe('InvalidState');
      await forward(healthDivision, DEMO.housing, '施工噪声属住建局建筑市场监管（测试）');
      // The division named: other tests add divisions to the market regulator, so "its first" could be one of theirs.
      const last = await forward(housing, DEMO.market, '经营场所噪声属市场监管（测试）', DEMO.marketFoodDivision);
      expect(last).toMatchObject({ departmentCode: DEMO.market, taskId: `task-${no}.${DEMO.market}`, replyDueAt: first.replyDueAt, forwards: MAX_COMPLAINT_FORWARDS });
      expect(await refused(forward(foodDivision, DEMO.approvalDepartment, '超过转办次数'))).toBe('InvalidState');

      // The old tasks closed as transferred; the new division was told of its task.
      const taskRow = async (id: string) => (await db.select().from(tasks).where(eq(tasks.taskId, id)))[0];
      await waitFor(async () => (await taskRow(toHealth.taskId!))?.outcome === 'transferred');
      expect(await taskRow(first.taskId!)).toMatchObject({ status: 'closed', outcome: 'transferred' });
      await waitFor(async () => (await db.select().from(notifications).where(eq(notifications.businessKey, `${last.taskId}:claim-notice`))).length === 1);
      const [row] = await db.select().from(complaints).where(eq(complaints.complaintNo, no));
      expect(row).toMatchObject({ departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, taskId: last.taskId });
      expect(row!.replyDueAt.toISOString()).toBe(first.replyDueAt);
      expect(row!.forwards.map((f) => `${f.from.departmentCode}→${f.to.departmentCode}`)).toEqual([`${DEMO.coordinatingOffice}→${DEMO.health}`, `${DEMO.health}→${DEMO.housing}`, `${DEMO.housing}→${DEMO.market}`]);
      const hops = await db.select().from(auditEvents).where(and(eq(auditEvents.applicationNo, no), eq(auditEvents.kind, 'complaint-forwarded')));
      expect(hops).toHaveLength(3);
      expect(hops[0]!.summary).toContain('噪声扰民属卫健委职责（测试）');

      // The holder claims and replies; after the reply it is not forwarded.
      const task = env.client.workflow.getHandle(last.taskId!);
      await task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] });
      await handle.executeUpdate(replyUpdate, { args: [{ actor: foodDivision, outcome: 'substantiated', text: '已责令整改' }] });
      expect(await refused(forward(foodDivision, DEMO.approvalDepartment, '答复后转办'))).toBe('InvalidState');
      // It closes with the task of the division that holds it, not with a transferred one.
      await inspectionOpened(task, last.taskId!);
      await task.executeUpdate(inspectionUpdate, { args: [{ actor: foodDivision, finishedAt: new Date(await env.currentTimeMs()).toISOString(), findings: '现场核查' }] });
      await task.executeUpdate(feedbackUpdate, { args: [{ actor: foodDivision, result: 'compliant', note: '' }] });
      expect(await handle.result()).toEqual({ complaintNo: no, taskOutcome: 'compliant' });
      expect((await db.select().from(complaints).where(eq(complaints.complaintNo, no)))[0]).toMatchObject({ status: 'closed', taskOutcome: 'compliant' });
      await keepHistory('complaintCase/forwarded', handle);
    });
  });
});
