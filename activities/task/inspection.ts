// 监管检查: the division finished its inspection, which opens the feedback window (反馈) under
// the task's policy from that moment.
import { eq } from 'drizzle-orm';
import { tasks } from '../../db/schema/index.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Actor } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import type { TaskWindow } from '../retime.js';
import { feedbackDue, taskPolicy, taskPolicyOrItems } from '../policy.js';
import { writeWithStepOnce } from '../steps.js';

type InspectionValues = { finishedAt: Date; findings: string; dueAt: Date; provisional: boolean; remindAt: Date | null; now: Date; taskId: string };
const inspected = writeWithStepOnce<InspectionValues>((db, p) =>
  db
    .update(tasks)
    .set({ status: 'awaiting-feedback', inspectionFinishedAt: p('finishedAt'), findings: p('findings'), feedbackDueAt: p('dueAt'), feedbackDueProvisional: p('provisional'), feedbackRemindAt: p('remindAt'), updatedAt: p('now') })
    .where(eq(tasks.taskId, p('taskId'))),
);

/** Supervision finished: opens the feedback window (the policy's working days after `finishedAt`). */
export async function recordInspection({ db, clock, calendar }: Ctx, input: { taskId: string; applicationNo: string; actor: Actor; finishedAt: string; findings: string }) {
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
      summary: `supervision finished ${formatShanghai(finishedAt)}; feedback due ${formatShanghai(due.dueAt)} (${due.period}${due.provisional ? ', provisional' : ''})`,
      actor: input.actor,
      detail: { findings: input.findings, feedbackDueAt: due.dueAt, provisional: due.provisional },
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

export const inspection = { recordInspection };
