// complaintCase: one per hotline ticket (workflow id complaint-<complaintNo>). Registered and
// routed → one supervisionTask child (origin complaint) with its claim window → the reply
// window (per source, in the policy) with its reminder and escalation → the reply pushed back
// to the hotline → closed when the task has ended; forwarded (转办) on the way to the competent
// department, each time a task there (docs/complaints.md). The phases are in
// workflows/complaint/.
import { allHandlersFinished, condition, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { run } from './acts.js';
import { complaintStateQuery, type ComplaintCaseInput, type ComplaintResult } from './contracts.js';
import { formatShanghai } from './domain/format.js';
import { handleIntake, register } from './complaint/intake.js';
import { awaitReply, handleReply } from './complaint/reply.js';
import { ComplaintRun } from './complaint/state.js';
import { awaitTaskEnd, startComplaintTask } from './complaint/task.js';
import { handleForward } from './complaint/forward.js';

export async function complaintCase(input: ComplaintCaseInput): Promise<ComplaintResult> {
  const c = new ComplaintRun(input);
  setHandler(complaintStateQuery, () => c.state());
  handleIntake(c);
  handleReply(c);
  handleForward(c);

  await register(c);
  const r = c.reg!;
  setCurrentDetails(`**assigned** — ${r.route.departmentCode} / ${r.route.divisionCode}; reply due ${formatShanghai(r.replyDueAt)}`);
  c.task = await startComplaintTask(c, r.claimWindow);
  await awaitReply(c);
  const result = await awaitTaskEnd(c);
  const taskOutcome = result.outcome ?? result.result;
  await run('closeComplaint', `close: task ${taskOutcome}`, { complaintNo: c.no, taskId: c.reg!.taskId, taskOutcome });
  c.moveTo('closed', `replied; task ${taskOutcome}`);
  await condition(allHandlersFinished);
  await Promise.all(c.watchers);
  return { complaintNo: c.no, taskOutcome };
}
