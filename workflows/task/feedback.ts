// 反馈: the result within the feedback window (5 working days after the work finished),
// reminded before, marked overdue at the deadline. A rectification result opens a round.
import { condition, setHandler } from '@temporalio/workflow';
import { recordLocally, run } from '../acts.js';
import { FailureType, feedbackUpdate } from '../contracts.js';
import { formatShanghai } from '../domain/format.js';
import { send } from '../notices.js';
import { waitOutWindow } from '../window.js';
import { refuse, type TaskRun } from './state.js';

/** A rectification order runs for at most a year. */
const MAX_ORDER_MS = 366 * 86_400_000;

/** A deadline given by the caller must parse, lie in the future, and be allowed here. */
export function checkOrderDeadline(deadline: string | undefined, allowed: boolean): void {
  if (deadline === undefined) return;
  if (!allowed) refuse(FailureType.Invalid, 'rectificationDeadline goes only with a rectification order');
  const at = Date.parse(deadline);
  if (Number.isNaN(at)) refuse(FailureType.Invalid, `rectificationDeadline is not an instant: ${deadline}`);
  if (at <= Date.now()) refuse(FailureType.Invalid, `rectificationDeadline ${deadline} is not in the future`);
  if (at > Date.now() + MAX_ORDER_MS) refuse(FailureType.Invalid, `rectificationDeadline ${deadline} is more than a year away`);
}

export function handleFeedback(t: TaskRun): void {
  setHandler(
    feedbackUpdate,
    async ({ actor, result, note, rectificationDeadline, external, leniency, checklist }) => {
      const at = new Date().toISOString();
      const onTime = t.feedbackDueAt !== undefined && Date.parse(at) <= Date.parse(t.feedbackDueAt);
      const base = { taskId: t.taskId, applicationNo: t.fileNo, actor, result, note, at, onTime, external, leniency, ...(checklist && { checklist }) };
      t.result = result;
      if (result === 'rectification' || result === 'commitment-untrue') {
        // Not the end: a rectification order, then a re-inspection at its deadline.
        t.round += 1;
        t.cause = result;
        t.moveTo('rectifying', `${result}: rectification order round ${t.round}`);
        await recordLocally('recordFeedback', `feedback: ${result}`, { ...base, closes: false });
        const order = await recordLocally('orderRectification', `rectification order, round ${t.round}`, { taskId: t.taskId, applicationNo: t.fileNo, actor, cause: result, round: t.round, deadline: rectificationDeadline, note });
        t.rectificationDueAt = order.dueAt;
        t.moveTo('rectifying', `rectification due ${formatShanghai(order.dueAt)} (round ${t.round})`, order.dueAt);
        return t.state();
      }
      t.outcome = result === 'unreachable' ? 'unreachable' : 'compliant';
      t.moveTo('closed', `result: ${result}`);
      await recordLocally('recordFeedback', `feedback: ${result}`, { ...base, closes: true });
      return t.state();
    },
    {
      validator: ({ actor, result, rectificationDeadline, leniency, checklist }) => {
        t.ownDivisionOrPlatform(actor);
        t.drawnInspector(actor);
        t.delegatedOfficer(actor);
        t.checkRecordForm(result, checklist);
        if (leniency && result !== 'rectification') refuse(FailureType.Invalid, 'leniency (包容免罚) goes only with a rectification result: a non-compliance to be corrected');
        if (t.status !== 'awaiting-feedback' || t.feedbackDueAt === undefined) {
          refuse(FailureType.InvalidState, `task ${t.taskId} is ${t.status}: feedback comes after supervision is finished, once`);
        }
        if (result === 'commitment-untrue' && !t.input.verifyCommitment) {
          refuse(FailureType.Invalid, `task ${t.taskId} does not verify a commitment (事后核查): use 'rectification' for a non-compliance`);
        }
        checkOrderDeadline(rectificationDeadline, result === 'rectification' || result === 'commitment-untrue');
      },
    },
  );
}

/**
 * The ladder of a missed feedback or re-inspection deadline (DOMAIN.md §4): the department
 * head at once, then — still open the next working day at office hours — the coordinating office.
 */
export async function overdueLadder(t: TaskRun, kind: 'inspection' | 'feedback' | 'reinspection', dueAt: string, isOpen: () => boolean, round?: number): Promise<void> {
  await send(t.notices.overdueEscalation(kind, 'department-head', dueAt, round));
  const { at } = await run('nextEscalationAt', `${kind} overdue: when to climb to the coordinating office`, { taskId: t.taskId, dueAt });
  if (!at || !isOpen()) return;
  const answered = await condition(() => !isOpen(), Math.max(0, Date.parse(at) - Date.now()), { summary: `${kind} overdue: the coordinating office at ${formatShanghai(at)} if still open` });
  if (!answered) await send(t.notices.overdueEscalation(kind, 'coordinating-office', dueAt, round));
}

/** From the claim to the result: the inspection, then the feedback window. */
export async function feedbackPhase(t: TaskRun): Promise<void> {
  await condition(() => t.feedbackDueAt !== undefined || t.status === 'closed');
  if (t.status === 'closed') return;
  const { expired } = await waitOutWindow(t.imports, {
    label: 'feedback',
    period: t.feedbackPeriod,
    deadline: { dueAt: t.feedbackDueAt!, remindAt: t.feedbackRemindAt },
    isOpen: () => t.status === 'awaiting-feedback',
    retime: (importId, d) => t.retime('feedback', importId, d),
    remind: () => send(t.notices.feedbackReminder(t.feedbackDueAt!)),
    moved: (d) => {
      t.feedbackDueAt = d.dueAt;
      t.feedbackRemindAt = d.remindAt;
      t.moveTo('awaiting-feedback', `feedback due ${formatShanghai(d.dueAt)}`, d.dueAt);
    },
  });
  if (expired) {
    t.feedbackOverdue = true;
    await run('markFeedbackOverdue', 'feedback deadline passed: mark overdue', { taskId: t.taskId, applicationNo: t.fileNo, feedbackDueAt: t.feedbackDueAt! });
    await overdueLadder(t, 'feedback', t.feedbackDueAt!, () => t.status === 'awaiting-feedback');
    await condition(() => t.status !== 'awaiting-feedback');
  }
}
