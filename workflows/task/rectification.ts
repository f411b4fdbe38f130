// 整改 and 复查: a rectification order runs to its deadline, then the division re-inspects within
// the feedback period: rectified (closed), another round (a fresh run: continue-as-new), or
// not rectified, which asks the approval department to revoke.
import { allHandlersFinished, condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { recordLocally, run } from '../acts.js';
import { FailureType, reinspectionUpdate, type ReinspectionArgs } from '../contracts.js';
import { formatShanghai } from '../domain/format.js';
import { send } from '../notices.js';
import { waitOutWindow } from '../window.js';
import { checkOrderDeadline, overdueLadder } from './feedback.js';
import { refuse, type TaskRun } from './state.js';
import type { supervisionTask } from '../supervisionTask.js';

async function reinspected(t: TaskRun, { actor, rectified, note, rectificationDeadline }: ReinspectionArgs) {
  const at = new Date().toISOString();
  const round = t.round;
  const step = { taskId: t.taskId, applicationNo: t.fileNo, actor, round, rectified, note, at };
  if (rectified) {
    t.outcome = 'rectified';
    t.moveTo('closed', `re-inspection: rectified (round ${round})`);
    await recordLocally('recordReinspection', 're-inspection: rectified', { ...step, outcome: t.outcome });
  } else if (rectificationDeadline) {
    t.round += 1;
    t.moveTo('rectifying', `not rectified: rectification round ${t.round} ordered`);
    await recordLocally('recordReinspection', 're-inspection: not rectified, another round', step);
    const order = await recordLocally('orderRectification', `rectification order, round ${t.round}`, { taskId: t.taskId, applicationNo: t.fileNo, actor, cause: t.cause, round: t.round, deadline: rectificationDeadline, note });
    t.rectificationDueAt = order.dueAt;
  } else {
    // 撤销许可 is the approval department's act: supervision asks through the case, never around it.
    t.outcome = 'revocation-requested';
    t.outcomeReason = `${t.cause === 'commitment-untrue' ? 'commitment untrue' : 'non-compliance'} not rectified after ${round} round(s): ${note}`;
    t.moveTo('closed', 'not rectified: revocation requested from the approval department');
    await recordLocally('recordReinspection', 're-inspection: not rectified, revocation requested', { ...step, outcome: t.outcome });
  }
  return t.state();
}

export function handleReinspection(t: TaskRun): void {
  setHandler(reinspectionUpdate, (args) => reinspected(t, args), {
    validator: ({ actor, rectified, rectificationDeadline }) => {
      t.ownDivision(actor);
      t.delegatedOfficer(actor);
      if (t.status !== 'rectifying' && t.status !== 'awaiting-reinspection') refuse(FailureType.InvalidState, `task ${t.taskId} is ${t.status}: re-inspection follows a rectification order`);
      checkOrderDeadline(rectificationDeadline, !rectified);
    },
  });
}

/** One round: the order's deadline, then the re-inspection window with its reminder. */
async function rectificationRound(t: TaskRun): Promise<void> {
  // The order is recorded by the feedback (or re-inspection) handler; its deadline comes with it.
  await condition(() => t.rectificationDueAt !== undefined);
  const round = t.round;
  await send(t.notices.rectificationOrder(round, t.rectificationDueAt!));
  // A calendar import may move a deadline the policy set (not one the division set itself).
  const { expired: passed } = await waitOutWindow(t.imports, {
    label: `rectification (round ${round})`,
    deadline: { dueAt: t.rectificationDueAt!, remindAt: null },
    isOpen: () => t.status === 'rectifying' && t.round === round,
    retime: (importId, d) => t.retime('rectification', importId, d),
    moved: (d) => {
      t.rectificationDueAt = d.dueAt;
      t.moveTo('rectifying', `rectification due ${formatShanghai(d.dueAt)} (round ${round}, calendar updated)`, d.dueAt);
    },
  });
  if (!passed) return;
  const r = await run('openReinspection', `re-inspection due (round ${round})`, { taskId: t.taskId, applicationNo: t.fileNo, round });
  t.reinspectionDueAt = r.dueAt;
  t.moveTo('awaiting-reinspection', `re-inspection due ${formatShanghai(r.dueAt)} (round ${round})`, r.dueAt);
  await send(t.notices.reinspection('notice', round, t.reinspectionDueAt));
  const { expired } = await waitOutWindow(t.imports, {
    label: 'reinspection',
    period: r.period,
    deadline: { dueAt: r.dueAt, remindAt: r.remindAt },
    isOpen: () => t.status === 'awaiting-reinspection',
    retime: (importId, d) => t.retime('reinspection', importId, d),
    remind: () => send(t.notices.reinspection('reminder', round, t.reinspectionDueAt)),
    moved: (d) => {
      t.reinspectionDueAt = d.dueAt;
      t.moveTo('awaiting-reinspection', `re-inspection due ${formatShanghai(d.dueAt)} (round ${round})`, d.dueAt);
    },
  });
  if (expired) {
    await run('markFeedbackOverdue', `re-inspection overdue (round ${round})`, { taskId: t.taskId, applicationNo: t.fileNo, feedbackDueAt: t.reinspectionDueAt, step: `reinspection-overdue:${round}` });
    await overdueLadder(t, 'reinspection', t.reinspectionDueAt!, () => t.status === 'awaiting-reinspection', round);
    await condition(() => t.status !== 'awaiting-reinspection');
  }
}

/** A round, then closed, or another round ordered: that starts a fresh run with a short history. */
export async function rectificationPhase(t: TaskRun): Promise<void> {
  await rectificationRound(t);
  if (t.status !== 'rectifying') return;
  await condition(allHandlersFinished);
  const { round, cause, rectificationDueAt, claimDueAt, claimedAt, claimOverdue, delegation } = t;
  await continueAsNew<typeof supervisionTask>({ ...t.input, resume: { round, cause, rectificationDueAt: rectificationDueAt!, claimDueAt, claimedAt, claimOverdue, ...(delegation && { delegation }) } });
}
