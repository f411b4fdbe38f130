// 认领: the task is created with the claim window the push opened; the division claims it, or
// at the deadline it is marked overdue and escalated (督办), and urged (催办) the next working
// day if still unclaimed.
import { eq, sql } from 'drizzle-orm';
import { supervisionItems, tasks } from '../../db/schema/index.js';
import { urgeAfter } from '../../workflows/domain/deadlines.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Actor, SupervisionTaskInput } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import { notify, type NotifyInput, type NotifyResult } from '../notify.js';
import { claimDue, taskPolicy } from '../policy.js';
import type { TaskWindow } from '../retime.js';
import { importYear, movedStep, stepInsert, writeWithStep, writeWithStepOnce } from '../steps.js';
import { recordDeadlineLag } from '../deadline-lag.js';

const claimed = writeWithStepOnce<{ claimedAt: Date; claimedBy: string; now: Date; taskId: string }>((db, p) =>
  db.update(tasks).set({ status: 'claimed', claimedAt: p('claimedAt'), claimedBy: p('claimedBy'), updatedAt: p('now') }).where(eq(tasks.taskId, p('taskId'))),
);

/** Creates the supervision task (推送) with the claim window the case's push opened. */
export async function openTask({ db }: Ctx, input: SupervisionTaskInput) {
  const { openedAt, policy, period, ...due } = input.claimWindow;
  const now = new Date(openedAt);
  // One statement: the row and its step. The stored row either way (the no-op update makes
  // RETURNING answer on a conflict): a retry after a commit must answer with the deadline
  // that was stored, not a new one — and its step, written with the row, is already there.
  const inserted = db.$with('inserted').as(
    db
      .insert(tasks)
      .values({
        taskId: input.taskId,
        origin: input.origin.kind,
        originNo: input.origin.no,
        applicationNo: input.origin.kind === 'approval' ? input.origin.no : null,
        // A case's task reads the applicant and the item from its case; a task of another origin keeps them.
        applicantName: input.origin.kind === 'approval' ? null : input.applicantName,
        subject: input.origin.kind === 'approval' ? null : input.itemName,
        departmentCode: input.departmentCode,
        divisionCode: input.divisionCode,
        regionCode: input.regionCode,
        supervisionItemCode: input.supervisionItemCode ?? null,
        supervisionItemVersion: input.supervisionItemCode ? sql`(select ${supervisionItems.version} from ${supervisionItems} where ${supervisionItems.code} = ${input.supervisionItemCode})` : null,
        applicantCreditCode: input.creditCode,
        status: 'awaiting-claim',
        policy,
        pushedAt: now,
        claimDueAt: new Date(due.dueAt),
        claimDueProvisional: due.provisional,
        claimRemindAt: due.remindAt ? new Date(due.remindAt) : null,
      })
      .onConflictDoUpdate({ target: tasks.taskId, set: { taskId: sql`excluded.task_id` } })
      .returning({ claimDueAt: tasks.claimDueAt, claimRemindAt: tasks.claimRemindAt, policy: tasks.policy }),
  );
  const what = input.origin.kind === 'approval' ? 'dossier pushed' : `${input.origin.kind} ${input.origin.no} assigned`;
  const summary = `${what} to ${input.departmentCode} / ${input.divisionCode}; claim due ${formatShanghai(due.dueAt)} (${period}${due.provisional ? ', provisional' : ''})`;
  const from = input.origin.kind === 'approval' ? { dossierId: input.origin.dossierId } : { origin: input.origin.kind };
  const detail = { ...from, claimDueAt: due.dueAt, provisional: due.provisional, policy: policy.code };
  const pushed = db.$with('pushed').as(stepInsert(db, { key: `${input.taskId}:pushed`, applicationNo: input.origin.no, taskId: input.taskId, kind: 'task-pushed', summary, detail }, now));
  const [row] = await db.with(inserted, pushed).select().from(inserted);
  return { claimDueAt: row!.claimDueAt.toISOString(), remindAt: row!.claimRemindAt?.toISOString() ?? null, period, escalateTo: (row!.policy ?? policy).claimEscalateTo };
}

/** 认领: the division took the task on; claim time feeds the timeliness statistics. */
export async function recordClaim({ db, clock }: Ctx, input: { taskId: string; applicationNo: string; actor: Actor; claimedAt: string; onTime: boolean }): Promise<void> {
  const claimedAt = new Date(input.claimedAt);
  const summary = `claimed by ${input.actor.sub}${input.onTime ? '' : ' (after the claim deadline)'}`;
  await claimed(db, { claimedAt, claimedBy: input.actor.sub, now: clock(), taskId: input.taskId }, { key: `${input.taskId}:claimed`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'task-claimed', summary, actor: input.actor, detail: { onTime: input.onTime } }, claimedAt);
}

/** The claim window passed unclaimed: marked overdue, escalation on the record. */
async function markClaimOverdue({ db, clock }: Ctx, input: { taskId: string; applicationNo: string; claimDueAt: string; urgeAt: string | null }) {
  const now = clock();
  const marked = await writeWithStep(
    db,
    db
      .update(tasks)
      .set({ claimOverdue: true, escalatedAt: sql`coalesce(${tasks.escalatedAt}, ${now.toISOString()}::timestamptz)`, ...(input.urgeAt && { urgeAt: new Date(input.urgeAt) }), updatedAt: now })
      .where(eq(tasks.taskId, input.taskId)),
    { key: `${input.taskId}:claim-overdue`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'claim-overdue', summary: `not claimed by ${formatShanghai(input.claimDueAt)}: overdue, escalated to the department head`, detail: { claimDueAt: input.claimDueAt } },
    now,
  );
  if (marked) recordDeadlineLag('claim', input.claimDueAt, now);
}

/**
 * The claim deadline's whole escalation in one activity: the overdue mark, then each notice
 * (every part keyed, so a retry repeats nothing). One activity task per missed deadline, as
 * few as a bare timer needs — every deadline of a day falls at 24:00 (docs/benchmarks.md).
 * `urgeAt`: when to urge (催办) if still unclaimed; the read model keeps it so a calendar import
 * finds the task. Null for a task without a policy.
 */
export async function escalateClaim(ctx: Ctx, input: { taskId: string; applicationNo: string; claimDueAt: string; notices: NotifyInput[] }): Promise<{ notices: NotifyResult[]; urgeAt: string | null }> {
  const [task] = await taskPolicy(ctx.db).execute({ id: input.taskId });
  const urgeAt = task?.policy ? urgeAfter(await ctx.calendar.current(task.regionCode, task.calendarVersion), task.policy, new Date(input.claimDueAt)) : null;
  await markClaimOverdue(ctx, { ...input, urgeAt });
  const notices = [];
  for (const n of input.notices) notices.push(await notify(ctx, n));
  return { notices, urgeAt };
}

/**
 * 催办 after a calendar import: the urging time again from the claim deadline (the next
 * working day's office hour). Nothing moves once the task is claimed.
 */
export async function retimeUrging({ db, clock, calendar }: Ctx, input: { taskId: string; importId: number; urgeAt: string }) {
  const [task] = await db.select({ applicationNo: tasks.originNo, regionCode: tasks.regionCode, status: tasks.status, policy: tasks.policy, claimDueAt: tasks.claimDueAt }).from(tasks).where(eq(tasks.taskId, input.taskId));
  if (!task?.policy || task.status !== 'awaiting-claim') return { urgeAt: input.urgeAt, moved: false };
  const urgeAt = urgeAfter(await calendar.current(task.regionCode), task.policy, task.claimDueAt);
  if (urgeAt === input.urgeAt) return { urgeAt, moved: false };
  const now = clock();
  const step = movedStep({ key: `${input.taskId}:retimed:urging:${input.importId}`, applicationNo: task.applicationNo, taskId: input.taskId, label: 'urging (催办)', window: 'urging', from: input.urgeAt, to: urgeAt, importId: input.importId, year: await importYear(db, input.importId) });
  await writeWithStep(db, db.update(tasks).set({ urgeAt: new Date(urgeAt), updatedAt: now }).where(eq(tasks.taskId, input.taskId)), step, now);
  return { urgeAt, moved: true };
}

/** The claim window after a calendar import: from the push again, under the policy the task keeps. */
export const claimDeadline: TaskWindow = {
  status: 'awaiting-claim',
  label: 'claim deadline',
  opened: async (_, t) => ({ at: t.pushedAt }),
  due: claimDue,
  stored: (t) => ({ dueAt: t.claimDueAt, provisional: t.claimDueProvisional }),
  columns: (d) => ({ claimDueAt: new Date(d.dueAt), claimDueProvisional: d.provisional, claimRemindAt: d.remindAt ? new Date(d.remindAt) : null }),
};

/**
 * 提醒短信发出后 (seed 003 §9): the claim window counts from the SMS that announced the task. The
 * push and its SMS fall on one day as a rule, and the deadline is the same; when the SMS went out
 * on a later day (the gateway down overnight), the window is opened again from it, on the record.
 */
export async function claimFromNotice(ctx: Ctx, input: { taskId: string; applicationNo: string; sentAt: string }): Promise<{ dueAt: string; remindAt: string | null; moved: boolean }> {
  const [task] = await ctx.db.select().from(tasks).where(eq(tasks.taskId, input.taskId));
  if (!task?.policy) throw new Error(`task ${input.taskId} has no policy`);
  const due = claimDue(await ctx.calendar.current(task.regionCode), task.policy, new Date(input.sentAt));
  if (due.dueAt === task.claimDueAt.toISOString()) return { dueAt: due.dueAt, remindAt: due.remindAt, moved: false };
  const now = ctx.clock();
  const step = {
    key: `${input.taskId}:claim-from-notice`,
    applicationNo: input.applicationNo,
    taskId: input.taskId,
    kind: 'deadline-moved',
    summary: `claim deadline ${formatShanghai(due.dueAt)}: the window counts from the task SMS sent ${formatShanghai(input.sentAt)}, not from the push ${formatShanghai(task.pushedAt)}`,
    detail: { window: 'claim', from: task.claimDueAt.toISOString(), to: due.dueAt, sentAt: input.sentAt },
  };
  const set = { claimDueAt: new Date(due.dueAt), claimDueProvisional: due.provisional, claimRemindAt: due.remindAt ? new Date(due.remindAt) : null, updatedAt: now };
  await writeWithStep(ctx.db, ctx.db.update(tasks).set(set).where(eq(tasks.taskId, input.taskId)), step, now);
  return { dueAt: due.dueAt, remindAt: due.remindAt, moved: true };
}

export const claim = { openTask, recordClaim, escalateClaim, retimeUrging, claimFromNotice };
