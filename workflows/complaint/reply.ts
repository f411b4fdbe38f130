// 答复: the division's reply (an Update, so the division hears a synchronous no), the reply
// window counted from the receipt with its reminder and escalation, and the reply pushed back
// to the hotline once.
import { condition, setHandler } from '@temporalio/workflow';
import { recordLocally, run } from '../acts.js';
import { FailureType, replyUpdate } from '../contracts.js';
import { complaintNotices, send } from '../notices.js';
import { waitOutWindow } from '../window.js';
import { refuse, type ComplaintRun } from './state.js';

export function handleReply(c: ComplaintRun): void {
  const { no } = c;
  setHandler(
    replyUpdate,
    async ({ actor, outcome, text }) => {
      const at = new Date().toISOString();
      c.repliedAt = at;
      c.moveTo('replied', `reply (${outcome}) by ${actor.sub}`);
      await recordLocally('recordComplaintReply', `reply by ${actor.sub}`, { complaintNo: no, taskId: c.reg!.taskId, actor, outcome, text, at, onTime: Date.parse(at) <= Date.parse(c.reg!.replyDueAt) });
      return c.state();
    },
    {
      validator: ({ actor }) => {
        const reg = c.reg;
        if (!reg) return refuse(FailureType.InvalidState, `complaint ${no} is still being registered`);
        if (actor.department !== reg.route.departmentCode || actor.division !== reg.route.divisionCode) refuse(FailureType.Forbidden, `complaint ${no} is handled by division ${reg.route.divisionCode} of ${reg.route.departmentCode}`);
        if (c.status !== 'assigned') refuse(FailureType.InvalidState, `complaint ${no} is ${c.status}: it is replied to once`);
        if (c.forwarding) refuse(FailureType.InvalidState, `complaint ${no} is being forwarded`);
      },
    },
  );
}

/** The notices of the reply window, to the division that holds the complaint when they go out. */
const noticesOf = (c: ComplaintRun) => complaintNotices({ complaintNo: c.no, applicant: c.input.enterprise.name, divisionCode: c.reg!.route.divisionCode, regionCode: c.input.regionCode, taskId: c.reg!.taskId });

/**
 * Until the reply is given (marked overdue and escalated if its deadline passes first), then sent
 * to the hotline. The deadline counts from the receipt: a calendar import re-times it from there
 * (an activity), a forward (转办) does not restart it.
 */
export async function awaitReply(c: ComplaintRun): Promise<void> {
  const r = c.reg!;
  const { expired, deadline } = await waitOutWindow(c.imports, {
    label: 'reply',
    period: r.replyPeriod,
    deadline: { dueAt: r.replyDueAt, remindAt: r.replyRemindAt },
    isOpen: () => c.status === 'assigned',
    retime: (importId, d) => run('retimeComplaintReply', `re-compute the reply deadline after calendar import #${importId}`, { complaintNo: c.no, importId, dueAt: d.dueAt, remindAt: d.remindAt }),
    remind: (d) => send(noticesOf(c).replyReminder(d.dueAt)),
    moved: (d) => {
      c.reg!.replyDueAt = d.dueAt;
      c.reg!.replyRemindAt = d.remindAt;
    },
  });
  if (expired) {
    c.replyOverdue = true;
    await run('markReplyOverdue', 'reply deadline passed: mark overdue', { complaintNo: c.no, replyDueAt: deadline.dueAt });
    await send(noticesOf(c).replyOverdue(deadline.dueAt));
    await condition(() => c.status !== 'assigned');
  }
  await run('sendComplaintReply', `reply back to the ${c.input.source} hotline`, { complaintNo: c.no });
  c.replySent = true;
}
