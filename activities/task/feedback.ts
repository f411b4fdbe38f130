// 反馈: the supervision result, filed on the task and pushed back to the approval side
// (双向推送); a result that does not come within its window is marked overdue.
import { eq } from 'drizzle-orm';
import { tasks } from '../../db/schema/index.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import { urgeAfter } from '../../workflows/domain/deadlines.js';
import { externalResultKey, type Actor, type ChecklistAnswer, type ExternalRecord, type FeedbackResult, type LeniencyClaim } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import { recordStep, writeWithStepOnce } from '../steps.js';
import { recordDeadlineLag } from '../deadline-lag.js';
import { assessNonCompliance } from './leniency.js';
import { recordTaskResult } from '../draw/tasks.js';

const fedBack = writeWithStepOnce<{ at: Date; result: FeedbackResult; note: string; now: Date; taskId: string }>((db, p) =>
  db.update(tasks).set({ feedbackAt: p('at'), result: p('result'), resultNote: p('note'), updatedAt: p('now') }).where(eq(tasks.taskId, p('taskId'))),
);
const fedBackClosed = writeWithStepOnce<{ at: Date; result: FeedbackResult; note: string; now: Date; outcome: 'unreachable' | 'compliant'; taskId: string }>((db, p) =>
  db
    .update(tasks)
    .set({ feedbackAt: p('at'), result: p('result'), resultNote: p('note'), updatedAt: p('now'), status: 'closed', closedAt: p('at'), outcome: p('outcome') })
    .where(eq(tasks.taskId, p('taskId'))),
);

/**
 * The result on the task; `closes` when it ends the task (compliant, or the applicant unreachable).
 * A result from another platform also files its record (`external-result:<platform>:<record id>`,
 * with the hash of what was posted): the key a repeated post of the record finds.
 */
export async function recordFeedback(ctx: Ctx, input: { taskId: string; applicationNo: string; actor: Actor; result: FeedbackResult; note: string; at: string; onTime: boolean; closes: boolean; external?: ExternalRecord; leniency?: LeniencyClaim; checklist?: ChecklistAnswer[] }): Promise<void> {
  const { db, clock } = ctx;
  const at = new Date(input.at);
  const ext = input.external;
  const from = ext ? ` (recorded on ${ext.platform}, record ${ext.recordId})` : '';
  const summary = `supervision result: ${input.result}${from}${input.onTime ? '' : ' (after the feedback deadline)'}${input.note ? ` — ${input.note}` : ''}`;
  const detail = { result: input.result, note: input.note, onTime: input.onTime, ...(ext && { external: { platform: ext.platform, recordId: ext.recordId } }) };
  const step = { key: `${input.taskId}:feedback`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'feedback', summary, actor: input.actor, detail };
  const values = { at, result: input.result, note: input.note, now: clock(), taskId: input.taskId };
  if (input.closes) await fedBackClosed(db, { ...values, outcome: input.result === 'unreachable' ? 'unreachable' : 'compliant' }, step, at);
  else await fedBack(db, values, step, at);
  // A non-compliance is assessed against the inclusive list (包容免罚) as it is fed back.
  if (input.result === 'rectification' || input.result === 'commitment-untrue') await assessNonCompliance(db, { taskId: input.taskId, applicationNo: input.applicationNo, cause: input.result, leniency: input.leniency, actor: input.actor, at });
  // 双随机: a random-inspection task's result is its target's (and so on the public feed, 一公开).
  if (input.checklist) await recordTaskResult(ctx, { taskId: input.taskId, actor: input.actor, result: input.result, checklist: input.checklist, at });
  // After the result: a retry of this activity writes it if a crash came between the two.
  if (ext) {
    const record = { key: externalResultKey(ext.platform, ext.recordId), applicationNo: input.applicationNo, taskId: input.taskId, kind: 'external-result', summary: `result ${input.result} received from ${ext.platform}, record ${ext.recordId}`, actor: input.actor, detail: { ...ext, result: input.result } };
    await recordStep(db, record, at);
  }
}

/** No feedback (or, with `step`, no re-inspection) by the deadline: overdue, on the record. */
export async function markFeedbackOverdue({ db, clock }: Ctx, input: { taskId: string; applicationNo: string; feedbackDueAt: string; step?: string }): Promise<void> {
  const now = clock();
  const summary = `no ${input.step ? 're-inspection' : 'feedback'} by ${formatShanghai(input.feedbackDueAt)}: overdue`;
  const marked = await db.transaction(async (tx) => {
    await tx.update(tasks).set({ feedbackOverdue: true, updatedAt: now }).where(eq(tasks.taskId, input.taskId));
    return recordStep(tx, { key: `${input.taskId}:${input.step ?? 'feedback-overdue'}`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'feedback-overdue', summary, detail: { dueAt: input.feedbackDueAt } }, now);
  });
  if (marked) recordDeadlineLag(input.step ? 'reinspection' : 'feedback', input.feedbackDueAt, now);
}

/**
 * When an overdue feedback or re-inspection climbs to its next step (the coordinating office):
 * the next working day's office hour after the deadline, as the claim's urging (催办).
 */
export async function nextEscalationAt({ db, calendar }: Ctx, input: { taskId: string; dueAt: string }): Promise<{ at: string | null }> {
  const [task] = await db.select({ policy: tasks.policy, regionCode: tasks.regionCode }).from(tasks).where(eq(tasks.taskId, input.taskId));
  return { at: task?.policy ? urgeAfter(await calendar.current(task.regionCode), task.policy, new Date(input.dueAt)) : null };
}

export const feedback = { recordFeedback, markFeedbackOverdue, nextEscalationAt };
