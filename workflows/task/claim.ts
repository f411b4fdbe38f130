// 认领: the division admin is told of the task, claims it within the policy's window (3 working
// days by default), is reminded the working day before, and a missed deadline escalates at
// 24:00 with a formal urging notice (催办) the next working day.
import { condition, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { recordLocally, run } from '../acts.js';
import { FailureType, claimUpdate, notificationFailedSignal } from '../contracts.js';
import { formatShanghai } from '../domain/format.js';
import { shanghaiDayOf } from '../domain/working-days.js';
import { send } from '../notices.js';
import { waitOutWindow } from '../window.js';
import { refuse, type TaskRun } from './state.js';

type Opened = { remindAt: string | null; period: string; escalateTo: Array<'department-head' | 'coordinating-office'> };

export function handleClaim(t: TaskRun): void {
  setHandler(notificationFailedSignal, ({ businessKey }) => {
    if (businessKey === `${t.taskId}:claim-notice`) t.noticeFailed = true;
  });
  setHandler(
    claimUpdate,
    async ({ actor }) => {
      // The claim counts the moment it is accepted, even if recording it takes a retry or two;
      // the status changes before any await, so a second claim is refused by the validator.
      const claimedAt = new Date().toISOString();
      const onTime = Date.parse(claimedAt) <= Date.parse(t.claimDueAt);
      t.claimedAt = claimedAt;
      t.moveTo('claimed', `claimed by ${actor.sub}${onTime ? '' : ' (late)'}`);
      // A claim can be accepted while the push's answer is still on its way: its record follows the row.
      await condition(() => t.opened);
      await recordLocally('recordClaim', `claim by ${actor.sub}`, { taskId: t.taskId, applicationNo: t.fileNo, actor, claimedAt, onTime });
      return t.state();
    },
    {
      validator: ({ actor }) => {
        t.ownDivision(actor);
        t.delegatedOfficer(actor);
        if (t.status !== 'awaiting-claim') refuse(FailureType.InvalidState, `task ${t.taskId} is already ${t.status}`);
      },
    },
  );
}

/**
 * A task SMS that never reaches the division admin must not leave the task unseen: the
 * department head is told at once (refused now, or reported failed later by a receipt).
 */
async function watchClaimNotice(t: TaskRun): Promise<void> {
  await condition(() => t.noticeFailed || t.status !== 'awaiting-claim');
  if (t.noticeFailed && t.status === 'awaiting-claim') await send(t.notices.noticeFailed(t.claimDueAt));
}

/** The claim phase, from the push to the claim; answers the watch on the task SMS, to await at the end. */
export async function claimPhase(t: TaskRun): Promise<Promise<void>> {
  const { input } = t;
  const opened = await run('openTask', `push dossier to ${input.departmentCode} / ${input.divisionCode}`, input);
  t.opened = true;
  const notice = await send(t.notices.assigned(t.claimDueAt));
  if (notice.status === 'failed') t.noticeFailed = true;
  const watch = watchClaimNotice(t);
  const awaiting = () => t.status === 'awaiting-claim';
  let remindAt = opened.remindAt;
  // 提醒短信发出后: the window counts from the SMS; sent on a later day than the push, it opens again from it.
  if (notice.sentAt && shanghaiDayOf(new Date(notice.sentAt)) > shanghaiDayOf(new Date(input.claimWindow.openedAt)) && awaiting()) {
    const d = await run('claimFromNotice', 'the claim window counts from the task SMS', { taskId: t.taskId, applicationNo: t.fileNo, sentAt: notice.sentAt });
    t.claimDueAt = d.dueAt;
    remindAt = d.remindAt;
    if (d.moved && awaiting()) t.moveTo('awaiting-claim', `claim due ${formatShanghai(d.dueAt)} (from the task SMS)`, d.dueAt);
  }
  const { expired } = await waitOutWindow(t.imports, {
    label: 'claim',
    period: opened.period,
    deadline: { dueAt: t.claimDueAt, remindAt },
    isOpen: awaiting,
    retime: (importId, d) => t.retime('claim', importId, d),
    remind: () => send(t.notices.claimReminder(t.claimDueAt)),
    moved: (d) => {
      t.claimDueAt = d.dueAt;
      t.moveTo('awaiting-claim', `claim due ${formatShanghai(d.dueAt)}`, d.dueAt);
    },
  });
  if (expired) {
    await escalate(t, opened);
    await condition(() => !awaiting());
  }
  return watch;
}

/** The missed deadline: overdue and escalated in one activity (every deadline of a day is 24:00), then urged. */
async function escalate(t: TaskRun, opened: Opened): Promise<void> {
  t.claimOverdue = true;
  setCurrentDetails(`**awaiting-claim (overdue)** — claim deadline ${formatShanghai(t.claimDueAt)} passed; escalated`);
  const whom = opened.escalateTo.map(t.notices.escalationTarget).join(' and ');
  const notices = opened.escalateTo.map((to) => t.notices.claimEscalation(to, t.claimDueAt));
  const { urgeAt } = await run('escalateClaim', `claim deadline passed: overdue, escalated to ${whom}`, { taskId: t.taskId, applicationNo: t.fileNo, claimDueAt: t.claimDueAt, notices });
  if (!urgeAt) return;
  const { expired } = await waitOutWindow(t.imports, {
    label: 'urging (催办)',
    deadline: { dueAt: urgeAt, remindAt: null },
    isOpen: () => t.status === 'awaiting-claim',
    retime: async (importId, d) => ({ dueAt: (await run('retimeUrging', `re-compute the urging time after calendar import #${importId}`, { taskId: t.taskId, importId, urgeAt: d.dueAt })).urgeAt, remindAt: null }),
    moved: (d) => setCurrentDetails(`**awaiting-claim (overdue)** — claim deadline ${formatShanghai(t.claimDueAt)} passed; urging (催办) ${formatShanghai(d.dueAt)}`),
  });
  if (expired) await send(t.notices.urging(t.claimDueAt));
}
