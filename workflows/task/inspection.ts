// Supervision work finished (检查完成): it opens the feedback window, counted from when the work
// finished, not from when it is reported.
import { condition, setHandler } from '@temporalio/workflow';
import { recordLocally, run } from '../acts.js';
import { FailureType, inspectionUpdate } from '../contracts.js';
import { formatShanghai } from '../domain/format.js';
import { send } from '../notices.js';
import { waitOutWindow } from '../window.js';
import { overdueLadder } from './feedback.js';
import { refuse, type TaskRun } from './state.js';

/** Clock skew and rounding we tolerate on a caller's "finished at" (future, or before the claim). */
export const TOLERANCE_MS = 5 * 60_000;

export function handleInspection(t: TaskRun): void {
  setHandler(
    inspectionUpdate,
    async ({ actor, finishedAt, findings, external }) => {
      t.moveTo('awaiting-feedback', `supervision finished ${formatShanghai(finishedAt)}`);
      const r = await recordLocally('recordInspection', 'supervision finished; open the feedback window', { taskId: t.taskId, applicationNo: t.fileNo, actor, finishedAt, findings, external });
      t.feedbackDueAt = r.feedbackDueAt;
      t.feedbackRemindAt = r.remindAt ?? null;
      t.feedbackPeriod = r.period ?? '';
      t.moveTo('awaiting-feedback', `feedback due ${formatShanghai(r.feedbackDueAt)}`, r.feedbackDueAt);
      return t.state();
    },
    {
      validator: ({ actor, finishedAt }) => {
        t.ownDivisionOrPlatform(actor);
        t.drawnInspector(actor);
        t.delegatedOfficer(actor);
        if (t.status !== 'claimed') refuse(FailureType.InvalidState, `task ${t.taskId} is ${t.status}: supervision can be finished only after claim and once`);
        const at = Date.parse(finishedAt);
        if (Number.isNaN(at)) refuse(FailureType.Invalid, `finishedAt is not an instant: ${finishedAt}`);
        if (at > Date.now() + TOLERANCE_MS) refuse(FailureType.Invalid, `finishedAt ${finishedAt} is in the future`);
        // People give times to the second or the minute; only a time clearly before the claim is wrong.
        if (t.claimedAt && at < Date.parse(t.claimedAt) - TOLERANCE_MS) refuse(FailureType.Invalid, `finishedAt ${finishedAt} is before the claim at ${t.claimedAt}`);
      },
    },
  );
}

/**
 * From the claim to the end of the inspection: a deadline (the supervision item's period, else
 * the policy's), a reminder before it, and at it the ladder — the department head, then the
 * coordinating office. None when neither sets a period.
 */
export async function inspectionPhase(t: TaskRun): Promise<void> {
  if (t.status !== 'claimed' || !t.claimedAt) return;
  const w = await run('openInspectionWindow', 'the inspection window from the claim', { taskId: t.taskId, applicationNo: t.fileNo, claimedAt: t.claimedAt });
  if (!w || t.status !== 'claimed') return;
  t.inspectionDueAt = w.dueAt;
  t.moveTo('claimed', `inspection due ${formatShanghai(w.dueAt)}`, w.dueAt);
  const open = () => t.status === 'claimed';
  const { expired, deadline } = await waitOutWindow(t.imports, {
    label: 'inspection',
    period: w.period,
    deadline: { dueAt: w.dueAt, remindAt: w.remindAt },
    isOpen: open,
    retime: (importId, d) => t.retime('inspection', importId, d),
    remind: (d) => send(t.notices.inspectionReminder(d.dueAt)),
    moved: (d) => {
      t.inspectionDueAt = d.dueAt;
      if (open()) t.moveTo('claimed', `inspection due ${formatShanghai(d.dueAt)} (calendar updated)`, d.dueAt);
    },
  });
  if (!expired) return;
  await run('markInspectionOverdue', 'inspection deadline passed', { taskId: t.taskId, applicationNo: t.fileNo, dueAt: deadline.dueAt });
  await overdueLadder(t, 'inspection', deadline.dueAt, open);
  await condition(() => !open());
}
