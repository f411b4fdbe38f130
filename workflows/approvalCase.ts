// approvalCase: one per application (workflow id case-<applicationNo>). Submission → credit
// pre-check → route → decision → (commitment period) → licence and dossier → one
// supervisionTask child per confirmed linkage → closed when every task is closed.
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { run } from './acts.js';
import { caseStateQuery, type ApprovalCaseInput, type ApprovalCaseResult, type CaseStage, type TransferArgs } from './contracts.js';
import { commitmentPhase, handleMaterials } from './case/commitment.js';
import { decisionPhase, handleDecision } from './case/decision.js';
import { handleForward } from './case/forward.js';
import { handleSubmit, register } from './case/registration.js';
import { handleRevocation } from './case/revocation.js';
import { listenForLinkages, routeToSupervisors } from './case/routing.js';
import { CaseRun } from './case/state.js';
import { listenForTransfers, pushTasks, superviseUntilClosed } from './case/supervision.js';

export async function approvalCase(input: ApprovalCaseInput): Promise<ApprovalCaseResult> {
  const c = new CaseRun(input);
  setHandler(caseStateQuery, () => c.state());
  handleSubmit(c);
  handleDecision(c);
  handleForward(c);
  handleMaterials(c);
  handleRevocation(c);
  listenForLinkages(c);
  // An arbiter's reassignment (移交) queued until the case supervises; handled there in order.
  const transfers: TransferArgs[] = [];
  listenForTransfers(c, transfers);

  const deadline = await register(c);
  const decision = await decisionPhase(c, deadline);
  if (decision.outcome === 'reject') return close(c, 'rejected', 'application rejected; nothing to supervise');
  if (c.scenario === 'deferred-materials' && !(await commitmentPhase(c))) {
    return close(c, 'revoked', 'licence revoked: deferred materials not received (broken commitment)');
  }
  c.moveTo('licensed', 'licence issued; pushing the dossier to supervision');
  const links = await routeToSupervisors(c);
  const children = await pushTasks(c, links);
  const revoked = await superviseUntilClosed(c, children, links, transfers);
  if (c.scenario === 'post-verification' && !revoked) {
    const { applicationNo } = c;
    await run('pushCreditRecord', 'credit record: commitment kept', { businessKey: `${applicationNo}:credit:commitment-kept`, creditCode: input.applicant.creditCode, kind: 'commitment-kept', applicationNo, summary: `commitment of ${applicationNo} verified by supervision` });
  }
  return revoked ? close(c, 'revoked', 'licence revoked at the request of supervision; every supervision task closed') : close(c, 'closed', 'every supervision task closed');
}

async function close(c: CaseRun, final: Extract<CaseStage, 'rejected' | 'revoked' | 'closed'>, reason: string): Promise<ApprovalCaseResult> {
  c.moveTo(final, reason);
  const summary = final === 'rejected' ? reason : `case closed: ${reason}`;
  await run('recordCaseStage', `close: ${reason}`, { applicationNo: c.applicationNo, step: 'closed', stage: final, kind: 'case-closed', summary, close: true });
  await condition(allHandlersFinished);
  return { applicationNo: c.applicationNo, outcome: final === 'rejected' ? 'rejected' : 'closed', closeReason: final === 'rejected' ? 'application rejected' : reason };
}
