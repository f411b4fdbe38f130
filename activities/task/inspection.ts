// 监管检查: the division finished its inspection, which opens the feedback window (反馈) under
// the task's policy from that moment.
import { and, eq, sql } from 'drizzle-orm';
import { drawTargets, inspectionPlans, supervisionItemVersions, supervisionItems, tasks } from '../../db/schema/index.js';
import { computeDeadline } from '../../workflows/domain/deadlines.js';
import type { PolicySnapshot } from '../../workflows/domain/policy.js';
import { dateOf, dayOf, endOfShanghaiDay, type WorkingCalendar } from '../../workflows/domain/working-days.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Actor, ExternalRecord } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import type { TaskWindow } from '../retime.js';
import { feedbackDue, taskPolicy, taskPolicyOrItems } from '../policy.js';
import { recordStep, writeWithStepOnce } from '../steps.js';
import { recordDeadlineLag } from '../deadline-lag.js';

type InspectionValues = { finishedAt: Date; findings: string; dueAt: Date; provisional: boolean; remindAt: Date | null; now: Date; taskId: string };
const inspected = writeWithStepOnce<InspectionValues>((db, p) =>
  db
    .update(tasks)
    .set({ status: 'awaiting-feedback', inspectionFinishedAt: p('finishedAt'), findings: p('findings'), feedbackDueAt: p('dueAt'), feedbackDueProvisional: p('provisional'), feedbackRemindAt: p('remindAt'), updatedAt: p('now') })
    .where(eq(tasks.taskId, p('taskId'))),
);

/** Supervision finished: opens the feedback window (the policy's working days after `finishedAt`). */
export async function recordInspection({ db, clock, calendar }: Ctx, input: { taskId: string; applicationNo: string; actor: Actor; finishedAt: string; findings: string; external?: ExternalRecord }) {
  const now = clock();
  const finishedAt = new Date(input.finishedAt);
  const [task] = await taskPolicy(db).execute({ id: input.taskId });
  const policy = await taskPolicyOrItems(db, task, input.applicationNo);
  const due = feedbackDue(await calendar.current(task?.regionCode ?? null, task?.calendarVersion), policy, finishedAt);
  await inspected(
    db,
    { finishedAt, findings: input.findings, dueAt: new Date(due.dueAt), provisional: due.provisional, remindAt: due.remindAt ? new Date(due.remindAt) : null, now, taskId: input.taskId },
    {
      key: `${input.taskId}:inspected`,
      applicationNo: input.applicationNo,
      taskId: input.taskId,
      kind: 'inspection-finished',
      summary: `supervision finished ${formatShanghai(finishedAt)}${input.external ? ` (recorded on ${input.external.platform}, record ${input.external.recordId})` : ''}; feedback due ${formatShanghai(due.dueAt)} (${due.period}${due.provisional ? ', provisional' : ''})`,
      actor: input.actor,
      detail: { findings: input.findings, feedbackDueAt: due.dueAt, provisional: due.provisional, ...(input.external && { external: { platform: input.external.platform, recordId: input.external.recordId } }) },
    },
    now,
  );
  return { feedbackDueAt: due.dueAt, remindAt: due.remindAt, period: due.period };
}

/** The feedback window after a calendar import: from the end of the inspection again. */
export const feedbackDeadline: TaskWindow = {
  status: 'awaiting-feedback',
  label: 'feedback deadline',
  opened: async (_, t) => (t.inspectionFinishedAt ? { at: t.inspectionFinishedAt } : null),
  due: feedbackDue,
  stored: (t) => ({ dueAt: t.feedbackDueAt, provisional: t.feedbackDueProvisional }),
  columns: (d) => ({ feedbackDueAt: new Date(d.dueAt), feedbackDueProvisional: d.provisional, feedbackRemindAt: d.remindAt ? new Date(d.remindAt) : null }),
};

/** The inspection's period from the claim under a policy that says how long (null: none). */
const inspectionDue = (calendar: WorkingCalendar, p: PolicySnapshot, from: Date) => computeDeadline(calendar, p, from, p.inspectionWindow ?? 0, p.feedbackRemindBefore);

/**
 * After the claim, the inspection's deadline (DOMAIN.md §4: every wait has one): the supervision
 * item's own period, else the policy's inspection window, counted from the claim; kept in the
 * task's policy snapshot so a re-timing counts the same. Null when neither sets one.
 */
export async function openInspectionWindow({ db, clock, calendar }: Ctx, input: { taskId: string; applicationNo: string; claimedAt: string }): Promise<{ dueAt: string; remindAt: string | null; period: string } | null> {
  const [row] = await db
    .select({ policy: tasks.policy, regionCode: tasks.regionCode, itemDays: sql<number | null>`case when ${supervisionItemVersions.itemCode} is not null then (${supervisionItemVersions.snapshot}->>'inspectionDays')::int else ${supervisionItems.inspectionDays} end` })
    .from(tasks)
    .leftJoin(supervisionItems, eq(supervisionItems.code, tasks.supervisionItemCode))
    // The version the task was pushed under: a later change of the item does not alter it.
    .leftJoin(supervisionItemVersions, and(eq(supervisionItemVersions.itemCode, tasks.supervisionItemCode), eq(supervisionItemVersions.version, tasks.supervisionItemVersion)))
    .where(eq(tasks.taskId, input.taskId));
  if (!row?.policy) return null;
  const plan = await planDeadlineOf(db, input.taskId, await calendar.current(row.regionCode), row.policy);
  const amount = row.itemDays ?? row.policy.inspectionWindow ?? null;
  if (!amount && !plan) return null;
  const policy = plan ? row.policy : { ...row.policy, inspectionWindow: amount! };
  const due = plan ?? inspectionDue(await calendar.current(row.regionCode), policy, new Date(input.claimedAt));
  const now = clock();
  const step = { key: `${input.taskId}:inspection-due`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'inspection-due', summary: `inspection due ${formatShanghai(due.dueAt)} (${plan ? "the random-inspection plan's period" : `${due.period} from the claim`})`, detail: { dueAt: due.dueAt, provisional: due.provisional } };
  // Only while the task still waits for its inspection: one reported at once has closed the window.
  const opened = await db.transaction(async (tx) => {
    const [still] = await tx.update(tasks).set({ inspectionDueAt: new Date(due.dueAt), policy, updatedAt: now }).where(and(eq(tasks.taskId, input.taskId), eq(tasks.status, 'claimed'))).returning({ taskId: tasks.taskId });
    if (still) await recordStep(tx, step, now);
    return Boolean(still);
  });
  return opened ? { dueAt: due.dueAt, remindAt: due.remindAt, period: due.period } : null;
}

/**
 * A random-inspection task's inspection deadline is its plan's (双随机, docs/random-inspections.md):
 * the period's last day, 24:00 Asia/Shanghai, reminded on the period's last working day at office hours.
 * Null for a task of any other origin.
 */
async function planDeadlineOf(db: Ctx['db'], taskId: string, calendar: WorkingCalendar, policy: PolicySnapshot): Promise<{ dueAt: string; remindAt: string | null; period: string; provisional: boolean } | null> {
  const [p] = await db.select({ periodEnd: inspectionPlans.periodEnd, planId: inspectionPlans.planId }).from(drawTargets).innerJoin(inspectionPlans, eq(inspectionPlans.planId, drawTargets.drawId)).where(eq(drawTargets.taskId, taskId));
  if (!p) return null;
  const dueAt = endOfShanghaiDay(dayOf(p.periodEnd));
  let remind = dayOf(p.periodEnd);
  while (remind > 0 && !calendar.isWorkingDay(remind)) remind -= 1;
  const remindAt = new Date(`${dateOf(remind)}T${policy.officeTime}:00+08:00`);
  return { dueAt: dueAt.toISOString(), remindAt: remindAt < dueAt ? remindAt.toISOString() : null, period: `plan ${p.planId} until ${p.periodEnd}`, provisional: false };
}

/** The inspection deadline passed with the work not finished: on the record (the ladder escalates). */
export async function markInspectionOverdue({ db, clock }: Ctx, input: { taskId: string; applicationNo: string; dueAt: string }): Promise<void> {
  const now = clock();
  const marked = await recordStep(db, { key: `${input.taskId}:inspection-overdue`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'inspection-overdue', summary: `inspection not finished by ${formatShanghai(input.dueAt)}: overdue`, detail: { dueAt: input.dueAt } }, now);
  if (marked) recordDeadlineLag('inspection', input.dueAt, now);
}

/** The inspection window after a calendar import: from the claim again. */
export const inspectionDeadline: TaskWindow = {
  status: 'claimed',
  label: 'inspection deadline',
  // A random-inspection task's deadline is its plan's date, which no calendar import moves.
  opened: async (_, t) => (t.claimedAt && t.inspectionDueAt && t.origin !== 'random-inspection' ? { at: t.claimedAt } : null),
  due: inspectionDue,
  stored: (t) => ({ dueAt: t.inspectionDueAt }),
  columns: (d) => ({ inspectionDueAt: new Date(d.dueAt) }),
};

export const inspection = { recordInspection, openInspectionWindow, markInspectionOverdue };
