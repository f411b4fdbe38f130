// 委派: the division admin (处室负责人) names the officers who do an ordinary task — a case's push
// or a complaint's — until it closes; a re-delegation replaces the names and says why. The API
// has checked the officers against the directory (certified, no 回避, enough of them) before the
// Update: the workflow keeps their staff numbers only (no names: docs/delegation.md) and refuses
// by state, origin and caller.
import { condition, setHandler } from '@temporalio/workflow';
import { recordLocally } from '../acts.js';
import { FailureType, delegationUpdate, type DelegationArgs } from '../contracts.js';
import { refuse, type TaskRun } from './state.js';

const sameNames = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

function validate(t: TaskRun, { actor, inspectors, reason }: DelegationArgs): void {
  t.ownDivision(actor);
  if (!actor.divisionAdmin) refuse(FailureType.Forbidden, `only the division admin (处室负责人) of ${t.input.divisionCode} delegates task ${t.taskId}`);
  if (t.input.inspection) refuse(FailureType.InvalidState, `task ${t.taskId} is a random inspection: its officers are the ones drawn for it, not delegated`);
  if (t.status === 'closed') refuse(FailureType.InvalidState, `task ${t.taskId} is closed: there is nothing left to delegate`);
  if (inspectors.length === 0 || new Set(inspectors).size !== inspectors.length) refuse(FailureType.Invalid, 'a delegation names one or more officers, each once');
  const current = t.delegation?.inspectors;
  if (current && !sameNames(current, inspectors) && !reason?.trim()) refuse(FailureType.Invalid, `task ${t.taskId} is delegated to ${current.join(', ')}: a re-delegation gives its reason`);
}

export function handleDelegation(t: TaskRun): void {
  setHandler(
    delegationUpdate,
    async (args) => {
      // The same officers again (a retried request): the delegation stands, nothing more on the record.
      if (t.delegation && sameNames(t.delegation.inspectors, args.inspectors)) return t.state();
      const seq = (t.delegation?.seq ?? 0) + 1;
      const previous = t.delegation?.inspectors;
      const inspectors = [...args.inspectors].sort();
      t.delegation = { inspectors, seq };
      const at = new Date().toISOString();
      await condition(() => t.opened); // its record follows the task's row
      await recordLocally('recordDelegation', `delegated to ${inspectors.join(', ')} (委派 #${seq})`, { taskId: t.taskId, applicationNo: t.fileNo, actor: args.actor, inspectors, seq, at, ...(previous && { previous }), ...(args.reason && { reason: args.reason }) });
      return t.state();
    },
    { validator: (args) => validate(t, args) },
  );
}
