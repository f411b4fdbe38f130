// 市县分工 for a running case (docs/case-forward.md): before its decision, the department that
// received the application forwards it to the department that holds the item's power at
// another level. The case moves at once (the old department can no longer decide it), then the
// read model and the trail follow in one activity; each hop keyed by its number.
import { setHandler } from '@temporalio/workflow';
import { run } from '../acts.js';
import { send } from '../notices.js';
import { FailureType, MAX_CASE_HOPS, forwardCaseUpdate, type CaseForwardArgs } from '../contracts.js';
import { refuse, type CaseRun } from './state.js';

async function forward(c: CaseRun, args: CaseForwardArgs) {
  const from = c.department!;
  c.hops += 1;
  const hop = c.hops;
  c.moveToDepartment(args.toDepartment, args.toRegion);
  await run('forwardCase', `forwarded to ${args.toDepartment} (${args.by === 'division-of-powers' ? '市县分工' : `by ${args.actor.sub}`})`, { applicationNo: c.applicationNo, hop, from, ...args });
  // The new holder's head is told, once per hop: the case is in its worklist from now on.
  await send(c.notify.toHead('case-forwarded', `forwarded:${hop}`, { from }));
  return { applicationNo: c.applicationNo, stage: c.stage, departmentCode: args.toDepartment, regionCode: args.toRegion, hops: hop };
}

export function handleForward(c: CaseRun): void {
  setHandler(forwardCaseUpdate, (args) => forward(c, args), {
    validator: (args) => {
      if (c.stage !== 'awaiting-decision' || c.decision) {
        refuse(FailureType.InvalidState, `case ${c.applicationNo} is ${c.decision ? 'already decided' : c.stage}: only a case awaiting its decision is forwarded`);
      }
      c.ownDepartment(args.actor.department);
      if (args.toDepartment === c.department) refuse(FailureType.Invalid, `case ${c.applicationNo} is already at ${args.toDepartment}`);
      if (c.hops >= MAX_CASE_HOPS) refuse(FailureType.InvalidState, `case ${c.applicationNo} has been forwarded ${c.hops} times: settle it through the coordinating office`);
    },
  });
}
