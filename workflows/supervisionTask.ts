// supervisionTask: one per (case, supervising department), id task-<applicationNo>-<dept>.
// SMS to the division admin → claim window (3 working days) → supervision → feedback window
// (5 working days after finishing) → rectification rounds → result back to the case.
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { taskStateQuery, type SupervisionTaskInput, type SupervisionTaskResult } from './contracts.js';
import { formatShanghai } from './domain/format.js';
import { claimPhase, handleClaim } from './task/claim.js';
import { feedbackPhase, handleFeedback } from './task/feedback.js';
import { handleInspection, inspectionPhase } from './task/inspection.js';
import { handleReinspection, rectificationPhase } from './task/rectification.js';
import { TaskRun } from './task/state.js';
import { handleTransfer } from './task/transfer.js';
import { handleDelegation } from './task/delegation.js';

export async function supervisionTask(input: SupervisionTaskInput): Promise<SupervisionTaskResult> {
  const t = new TaskRun(input);
  setHandler(taskStateQuery, () => t.state());
  handleClaim(t);
  handleInspection(t);
  handleFeedback(t);
  handleReinspection(t);
  handleTransfer(t);
  handleDelegation(t);

  if (input.resume) {
    // A later rectification round, in a fresh run.
    t.moveTo('rectifying', `rectification due ${formatShanghai(t.rectificationDueAt!)} (round ${t.round})`, t.rectificationDueAt);
    await rectificationPhase(t);
  } else {
    const noticeWatch = await claimPhase(t);
    await inspectionPhase(t);
    await feedbackPhase(t);
    if (t.status === 'rectifying') await rectificationPhase(t);
    await noticeWatch;
  }
  await condition(allHandlersFinished);
  return t.outcomeOf();
}
