// 整改 and 复查: a non-compliant result (or an untrue commitment) orders a rectification by a
// deadline; when it passes, a re-inspection is due within the feedback window, and its result
// closes the task or asks the approval department to revoke the licence.
import { and, desc, eq } from 'drizzle-orm';
import { auditEvents, tasks } from '../../db/schema/index.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Actor } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import type { TaskWindow } from '../retime.js';
import { feedbackDue, policyOf, rectificationDue } from '../policy.js';
import { recordStep } from '../steps.js';
import { decidePenalty } from './leniency.js';

const taskRow = async ({ db }: Ctx, taskId: string) => (await db.select().from(tasks).where(eq(tasks.taskId, taskId)))[0];

/** The deadline is the order's, else the policy's rectification period; the workflow tells the applicant. */
export async function orderRectification(ctx: Ctx, input: { taskId: string; applicationNo: string; actor: Actor; cause: 'rectification' | 'commitment-untrue'; round: number; deadline?: string; note: string }) {
  const now = ctx.clock();
  const task = await taskRow(ctx, input.taskId);
  const terms = policyOf(task);
  const due = input.deadline ? { dueAt: new Date(input.deadline).toISOString(), period: 'as ordered' } : rectificationDue(await ctx.calendar.current(task?.regionCode ?? null), terms, now);
  const summary = `${input.cause === 'commitment-untrue' ? 'commitment found untrue: ' : ''}rectification order (round ${input.round}), due ${formatShanghai(due.dueAt)} (${due.period})${input.note ? ` — ${input.note}` : ''}`;
  await ctx.db.transaction(async (tx) => {
    await tx.update(tasks).set({ status: 'rectifying', rectificationRound: input.round, rectificationDueAt: new Date(due.dueAt), reinspectionDueAt: null, updatedAt: now }).where(eq(tasks.taskId, input.taskId));
    await recordStep(tx, { key: `${input.taskId}:rectification:${input.round}`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'rectification-ordered', summary, actor: input.actor, detail: { cause: input.cause, round: input.round, dueAt: due.dueAt, ordered: Boolean(input.deadline) } }, now);
  });
  return { dueAt: due.dueAt };
}

/** The rectification deadline passed: a re-inspection (复查) is due within the feedback window. */
export async function openReinspection(ctx: Ctx, input: { taskId: string; applicationNo: string; round: number }) {
  const now = ctx.clock();
  const task = await taskRow(ctx, input.taskId);
  const due = feedbackDue(await ctx.calendar.current(task?.regionCode ?? null), policyOf(task), now);
  await ctx.db.transaction(async (tx) => {
    await tx.update(tasks).set({ status: 'awaiting-reinspection', reinspectionDueAt: new Date(due.dueAt), updatedAt: now }).where(eq(tasks.taskId, input.taskId));
    const summary = `rectification deadline passed: re-inspection due ${formatShanghai(due.dueAt)} (${due.period})`;
    await recordStep(tx, { key: `${input.taskId}:reinspection-due:${input.round}`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'reinspection-due', summary, detail: { round: input.round, dueAt: due.dueAt } }, now);
  });
  return { dueAt: due.dueAt, remindAt: due.remindAt, period: due.period };
}

/** The re-inspection's result; with `outcome` it closes the task (rectified, or revocation requested). */
export async function recordReinspection({ db, clock }: Ctx, input: { taskId: string; applicationNo: string; actor: Actor; round: number; rectified: boolean; note: string; at: string; outcome?: 'rectified' | 'revocation-requested' }): Promise<void> {
  const at = new Date(input.at);
  const summary = `re-inspection (round ${input.round}): ${input.rectified ? 'rectified' : 'not rectified'}${input.outcome === 'revocation-requested' ? '; revocation requested from the approval department' : ''}${input.note ? ` — ${input.note}` : ''}`;
  await db.transaction(async (tx) => {
    await tx
      .update(tasks)
      .set({ updatedAt: clock(), ...(input.outcome && { status: 'closed', closedAt: at, outcome: input.outcome, result: input.rectified ? 'compliant' : tasks.result }) })
      .where(eq(tasks.taskId, input.taskId));
    await recordStep(tx, { key: `${input.taskId}:reinspected:${input.round}`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'reinspection', summary, actor: input.actor, detail: { round: input.round, rectified: input.rectified, outcome: input.outcome ?? null } }, at);
    // The task closes: the penalty after its non-compliance, waived under 包容免罚 or due.
    if (input.outcome) await decidePenalty(tx, { taskId: input.taskId, applicationNo: input.applicationNo, round: input.round, rectified: input.rectified, actor: input.actor, at });
  });
}

/** The task's latest step of a kind on the trail: when, and its round (and detail). */
async function latestStep({ db }: Ctx, taskId: string, kind: string) {
  const [step] = await db.select({ at: auditEvents.at, detail: auditEvents.detail }).from(auditEvents).where(and(eq(auditEvents.taskId, taskId), eq(auditEvents.kind, kind))).orderBy(desc(auditEvents.id)).limit(1);
  return step && { at: step.at, detail: (step.detail ?? {}) as { round?: number; ordered?: boolean } };
}

/**
 * The rectification period after a calendar import: from its order again, under the policy the
 * task keeps; a deadline the division set itself is a fixed date, and stays.
 */
export const rectificationDeadline: TaskWindow = {
  status: 'rectifying',
  label: 'rectification deadline',
  async opened(ctx, task) {
    const order = await latestStep(ctx, task.taskId, 'rectification-ordered');
    return order && !order.detail.ordered ? { at: order.at, round: order.detail.round ?? task.rectificationRound } : null;
  },
  due: rectificationDue,
  stored: (t) => ({ dueAt: t.rectificationDueAt }),
  columns: (d) => ({ rectificationDueAt: new Date(d.dueAt) }),
};

/** The re-inspection window after a calendar import: from the moment it became due (its round's `reinspection-due` step), again. */
export const reinspectionDeadline: TaskWindow = {
  status: 'awaiting-reinspection',
  label: 're-inspection deadline',
  async opened(ctx, task) {
    const due = await latestStep(ctx, task.taskId, 'reinspection-due');
    return due ? { at: due.at, round: due.detail.round ?? task.rectificationRound } : null;
  },
  due: feedbackDue,
  stored: (t) => ({ dueAt: t.reinspectionDueAt }),
  columns: (d) => ({ reinspectionDueAt: new Date(d.dueAt) }),
};

export const rectification = { orderRectification, openReinspection, recordReinspection };
