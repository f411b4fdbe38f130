// complaintCase: one per hotline ticket (workflow id complaint-<complaintNo>). Registered and
// routed → one supervisionTask child (origin complaint) with its claim window → the reply
// window (per source, in the policy) with its reminder and escalation → the reply pushed back
// to the hotline → closed when the task has ended (docs/complaints.md).
import { ApplicationFailure, ParentClosePolicy, allHandlersFinished, condition, setCurrentDetails, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import { recordLocally, run } from './acts.js';
import { FailureType, complaintStateQuery, intakeUpdate, replyUpdate, type ComplaintCaseInput, type ComplaintResult, type ComplaintState, type ComplaintStatus } from './contracts.js';
import { formatShanghai } from './domain/format.js';
import { SgCreditCode, SgDepartment, SgDivision, SgRegion } from './domain/search-attributes.js';
import { complaintNotices, send } from './notices.js';
import { supervisionTask } from './supervisionTask.js';
import { CalendarImports, waitOutWindow } from './window.js';
import type { Registered } from '../activities/complaint/intake.js';

const refuse = (type: FailureType, message: string): never => {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
};

export async function complaintCase(input: ComplaintCaseInput): Promise<ComplaintResult> {
  const no = input.complaintNo;
  let status: ComplaintStatus = 'assigned';
  let reg: Registered | undefined;
  let replyOverdue = false;
  let repliedAt: string | undefined;
  let replySent = false;
  let unroutable: ApplicationFailure | undefined;
  const imports = new CalendarImports();
  const state = (): ComplaintState => ({ complaintNo: no, status, taskId: reg?.taskId, departmentCode: reg?.route.departmentCode, divisionCode: reg?.route.divisionCode, replyDueAt: reg?.replyDueAt, replyOverdue, repliedAt, replySent });
  const moveTo = (next: ComplaintStatus, details: string) => {
    status = next;
    setCurrentDetails(`**${next}** — ${details}`);
  };
  setHandler(complaintStateQuery, state);
  setHandler(
    intakeUpdate,
    async () => {
      await condition(() => reg !== undefined || unroutable !== undefined);
      if (unroutable) throw unroutable;
      return state();
    },
    { validator: ({ requestHash }) => void (requestHash !== input.requestHash && refuse(FailureType.Conflict, `ticket ${input.ticketId} of ${input.source} was already received with a different body`)) },
  );
  setHandler(
    replyUpdate,
    async ({ actor, outcome, text }) => {
      const at = new Date().toISOString();
      repliedAt = at;
      moveTo('replied', `reply (${outcome}) by ${actor.sub}`);
      await recordLocally('recordComplaintReply', `reply by ${actor.sub}`, { complaintNo: no, taskId: reg!.taskId, actor, outcome, text, at, onTime: Date.parse(at) <= Date.parse(reg!.replyDueAt) });
      return state();
    },
    {
      validator: ({ actor }) => {
        if (!reg) refuse(FailureType.InvalidState, `complaint ${no} is still being registered`);
        if (actor.department !== reg!.route.departmentCode || actor.division !== reg!.route.divisionCode) refuse(FailureType.Forbidden, `complaint ${no} is handled by division ${reg!.route.divisionCode} of ${reg!.route.departmentCode}`);
        if (status !== 'assigned') refuse(FailureType.InvalidState, `complaint ${no} is ${status}: it is replied to once`);
      },
    },
  );

  try {
    reg = await run('registerComplaint', `register ${input.source} ticket ${input.ticketId} and route it`, input);
  } catch (err) {
    // No one to route to (a region without a coordinating office): the hotline hears why (422),
    // nothing is kept, and the run fails so that the ticket can come again once the catalog has it.
    const cause = err instanceof Error ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure && cause.type === FailureType.CatalogError)) throw err;
    unroutable = ApplicationFailure.create({ type: FailureType.CatalogError, message: cause.message, nonRetryable: true });
    await condition(allHandlersFinished);
    throw unroutable;
  }
  const r = reg;
  setCurrentDetails(`**assigned** — ${r.route.departmentCode} / ${r.route.divisionCode}; reply due ${formatShanghai(r.replyDueAt)}`);
  const task = await startChild(supervisionTask, {
    workflowId: r.taskId,
    parentClosePolicy: ParentClosePolicy.TERMINATE,
    staticSummary: `complaint ${no} (${input.source}) handled by ${r.route.departmentCode} / ${r.route.divisionCode}`,
    typedSearchAttributes: [
      ...(r.creditCode ? [{ key: SgCreditCode, value: r.creditCode }] : []),
      { key: SgRegion, value: input.regionCode },
      { key: SgDepartment, value: r.route.departmentCode },
      { key: SgDivision, value: r.route.divisionCode },
    ],
    args: [
      {
        taskId: r.taskId,
        origin: { kind: 'complaint', no, workflowId: workflowInfo().workflowId },
        departmentCode: r.route.departmentCode,
        divisionCode: r.route.divisionCode,
        supervisionItemCode: r.route.supervisionItemCode,
        creditCode: r.creditCode ?? '',
        applicantName: input.enterprise.name,
        ...(input.itemCode && { itemCode: input.itemCode }),
        itemName: r.subject,
        regionCode: input.regionCode,
        claimWindow: r.claimWindow,
      },
    ],
  });
  const notices = complaintNotices({ complaintNo: no, applicant: input.enterprise.name, divisionCode: r.route.divisionCode, regionCode: input.regionCode, taskId: r.taskId });
  const { expired } = await waitOutWindow(imports, {
    label: 'reply',
    period: r.replyPeriod,
    deadline: { dueAt: r.replyDueAt, remindAt: r.replyRemindAt },
    isOpen: () => status === 'assigned',
    // The reply window keeps the deadline it opened with (not re-timed by a calendar import: docs/complaints.md).
    retime: async (_, d) => d,
    remind: () => send(notices.replyReminder(r.replyDueAt)),
  });
  if (expired) {
    replyOverdue = true;
    await run('markReplyOverdue', 'reply deadline passed: mark overdue', { complaintNo: no, replyDueAt: r.replyDueAt });
    await send(notices.replyOverdue(r.replyDueAt));
    await condition(() => status !== 'assigned');
  }
  await run('sendComplaintReply', `reply back to the ${input.source} hotline`, { complaintNo: no });
  replySent = true;
  const result = await task.result();
  const taskOutcome = result.outcome ?? result.result;
  await run('closeComplaint', `close: task ${taskOutcome}`, { complaintNo: no, taskId: r.taskId, taskOutcome });
  moveTo('closed', `replied; task ${taskOutcome}`);
  await condition(allHandlersFinished);
  return { complaintNo: no, taskOutcome };
}
