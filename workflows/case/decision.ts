// The decision (审批决定) within the statutory limit: reminded the working day before, marked
// overdue at 24:00 of the last day, re-timed by calendar imports.
import { condition, setHandler } from '@temporalio/workflow';
import { run } from '../acts.js';
import { FailureType, decideUpdate, type DecisionArgs, type LicenceStatus } from '../contracts.js';
import { formatShanghai } from '../domain/format.js';
import { send } from '../notices.js';
import { waitOutWindow, type Deadline } from '../window.js';
import { refuse, type CaseRun } from './state.js';

async function decide(c: CaseRun, args: DecisionArgs) {
  c.decision = args; // before any await, so a second decision is refused by the validator
  const decidedAt = new Date().toISOString();
  // 材料延期: decided on the commitment; the licence is issued in full when the materials come.
  const onCommitment = c.scenario === 'deferred-materials';
  const granted: LicenceStatus = args.outcome !== 'approve' ? 'none' : onCommitment ? 'granted-on-commitment' : 'issued';
  const r = await run('recordDecision', `decision: ${args.outcome} by ${args.actor.sub}`, {
    applicationNo: c.applicationNo,
    outcome: args.outcome,
    opinion: args.opinion,
    actor: args.actor,
    decidedAt,
    materials: c.input.materials,
    commitmentText: c.input.commitment?.text,
    ...(onCommitment && { licenceStatus: 'granted-on-commitment' as const }),
  });
  c.dossierId = r.dossierId;
  c.licenceStatus = granted;
  c.decidedAt = decidedAt;
  const stage = args.outcome !== 'approve' ? 'rejected' : onCommitment ? 'awaiting-materials' : 'licensed';
  return { applicationNo: c.applicationNo, stage, decision: args.outcome, licenceStatus: granted } as const;
}

export function handleDecision(c: CaseRun): void {
  setHandler(decideUpdate, (args) => decide(c, args), {
    validator: (args) => {
      if (c.stage !== 'awaiting-decision' || c.decision) {
        refuse(FailureType.InvalidState, `case ${c.applicationNo} is ${c.decision ? 'already decided' : c.stage}, not awaiting a decision`);
      }
      c.ownDepartment(args.actor.department);
    },
  });
}

/** Waits for the decision (and its record); answers it. */
export async function decisionPhase(c: CaseRun, deadline: Deadline): Promise<DecisionArgs> {
  const decided = () => c.decision !== undefined && (c.decision.outcome === 'reject' || c.dossierId !== null);
  const { applicationNo } = c;
  const { expired, deadline: due } = await waitOutWindow(c.imports, {
    label: 'decision',
    deadline,
    isOpen: () => !decided(),
    retime: (importId, d) => c.retime('decision', importId, d),
    // The key carries the deadline: a deadline moved by a calendar import is reminded again.
    remind: (d) => send(c.notify.toHead('decision-reminder', `decision-reminder:${d.dueAt}`, { dueAt: formatShanghai(d.dueAt) })),
    moved: (d) => c.moveTo('awaiting-decision', `decision due ${formatShanghai(d.dueAt)} (calendar updated)`, d.dueAt),
  });
  if (expired) {
    const summary = `no decision by the statutory deadline ${formatShanghai(due.dueAt)}: overdue`;
    await run('recordCaseStage', 'decision overdue', { applicationNo, step: 'decision-overdue', stage: 'awaiting-decision', kind: 'decision-overdue', summary });
    // The ladder's last step: the approval department's head hears of it.
    await send(c.notify.toHead('decision-overdue', 'decision-overdue:notice', { dueAt: formatShanghai(due.dueAt) }));
    await condition(decided);
  }
  return c.decision!;
}
