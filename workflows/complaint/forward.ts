// 转办: the division that holds the complaint hands it to the competent department. An Update,
// so the caller hears a synchronous no (past the hop limit, replied, its task ended, the same
// department). The hop is recorded first (its activity checks the catalog: 422 changes nothing),
// then the old task closes as transferred and the new division's task starts with its own claim
// window. The reply window is not touched: it runs from the receipt (docs/complaints.md).
import { ActivityFailure, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { recordLocally } from '../acts.js';
import { FailureType, MAX_COMPLAINT_FORWARDS, forwardUpdate, taskTransferSignal, type ForwardArgs } from '../contracts.js';
import { refuse, type ComplaintRun } from './state.js';
import { startComplaintTask } from './task.js';

function validate(c: ComplaintRun, { actor, to }: ForwardArgs): void {
  const { no, reg } = c;
  if (!reg) return refuse(FailureType.InvalidState, `complaint ${no} is still being registered`);
  if (actor.department !== reg.route.departmentCode || actor.division !== reg.route.divisionCode) refuse(FailureType.Forbidden, `complaint ${no} is handled by division ${reg.route.divisionCode} of ${reg.route.departmentCode}`);
  if (c.status !== 'assigned') refuse(FailureType.InvalidState, `complaint ${no} is ${c.status}: a complaint is forwarded before its reply`);
  if (c.forwarding) refuse(FailureType.InvalidState, `complaint ${no} is being forwarded`);
  if (c.taskResults.has(reg.taskId)) refuse(FailureType.InvalidState, `the task of complaint ${no} has ended: reply to it`);
  if (c.forwards >= MAX_COMPLAINT_FORWARDS) refuse(FailureType.InvalidState, `complaint ${no} was forwarded ${c.forwards} times, the most it may be: reply to it (not-competent, saying where to turn)`);
  if (to.departmentCode === reg.route.departmentCode) refuse(FailureType.Invalid, `complaint ${no} is with ${to.departmentCode} already`);
}

async function forward(c: ComplaintRun, { actor, to, reason }: ForwardArgs) {
  c.forwarding = true;
  try {
    await condition(() => c.task !== undefined); // the first task is being started
    const from = c.reg!;
    const hop = await recordLocally('forwardComplaint', `forward (转办) to ${to.departmentCode}`, { complaintNo: c.no, hop: c.forwards, actor, to, reason }).catch((err: unknown) => {
      // The catalog's or the trail's no (unknown department, forwarded back): the caller's 4xx.
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) throw ApplicationFailure.create({ type: err.cause.type ?? undefined, message: err.cause.message, nonRetryable: true });
      throw err;
    });
    c.forwards += 1;
    // The old task closes as transferred (it may have ended meanwhile: its result stands on its own record).
    await c.task!.signal(taskTransferSignal, { toDepartment: hop.route.departmentCode, toTaskId: hop.taskId, actor, reason: `complaint forwarded (转办): ${reason}` }).catch(() => undefined);
    c.reg = { ...from, route: hop.route, taskId: hop.taskId };
    c.task = await startComplaintTask(c, hop.claimWindow);
    c.moveTo('assigned', `forwarded to ${hop.route.departmentCode} / ${hop.route.divisionCode}`);
  } finally {
    c.forwarding = false;
  }
  return c.state();
}

export function handleForward(c: ComplaintRun): void {
  setHandler(forwardUpdate, (args) => forward(c, args), { validator: (args) => validate(c, args) });
}
