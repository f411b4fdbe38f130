// 材料延期 (告知承诺 with deferred materials): the materials within the commitment period, the
// applicant reminded the working day before; overdue, the approval department revokes or
// extends. A kept commitment and a broken one both go to the credit platform.
import { condition, setHandler } from '@temporalio/workflow';
import { run } from '../acts.js';
import { FailureType, materialsUpdate } from '../contracts.js';
import { formatShanghai } from '../domain/format.js';
import { send } from '../notices.js';
import { waitOutWindow } from '../window.js';
import { revocationPhase, tellConcernedDepartments } from './revocation.js';
import { refuse, type CaseRun } from './state.js';

export function handleMaterials(c: CaseRun): void {
  setHandler(
    materialsUpdate,
    async ({ materials, actor }) => {
      const at = new Date().toISOString();
      c.materialsReceived = { materials, at };
      c.licenceStatus = 'issued';
      // Accepted while the period is being opened (the read model says so a moment before the
      // workflow does): recorded once it is open, so its record follows the period's.
      await condition(() => c.stage !== 'awaiting-decision');
      await run('recordMaterials', 'deferred materials received', { applicationNo: c.applicationNo, materials, actor, at, onTime: true });
      return c.state();
    },
    {
      validator: ({ actor, materials }) => {
        c.ownDepartment(actor.department);
        if ((c.stage !== 'awaiting-materials' && !c.commitmentOpening) || c.materialsReceived) refuse(FailureType.InvalidState, `case ${c.applicationNo} is ${c.stage}: deferred materials are received while the commitment is open`);
        if (materials.length === 0) refuse(FailureType.Invalid, 'no materials given');
      },
    },
  );
}

/** The commitment period, extended as often as the approval department allows; true when kept. */
export async function commitmentPhase(c: CaseRun): Promise<boolean> {
  const { applicationNo, input } = c;
  const { creditCode } = input.applicant;
  c.commitmentOpening = true;
  let opened = await run('openCommitment', 'open the commitment period', { applicationNo, itemCode: input.itemCode, from: c.decidedAt });
  c.commitmentOpening = false;
  for (let round = 1; ; round++) {
    c.moveTo('awaiting-materials', `deferred materials due ${formatShanghai(opened.dueAt)}`, opened.dueAt);
    const { expired, deadline } = await waitOutWindow(c.imports, {
      label: 'commitment',
      deadline: { dueAt: opened.dueAt, remindAt: opened.remindAt },
      isOpen: () => c.materialsReceived === undefined && c.stage === 'awaiting-materials',
      retime: (importId, d) => c.retime('commitment', importId, d),
      remind: (d) => send(c.notify.commitmentReminder(d.dueAt, input.commitment?.deferredMaterials ?? [])),
      moved: (d) => c.moveTo('awaiting-materials', `deferred materials due ${formatShanghai(d.dueAt)} (calendar updated)`, d.dueAt),
    });
    if (!expired && c.materialsReceived) {
      await run('pushCreditRecord', 'credit record: commitment kept', { businessKey: `${applicationNo}:credit:commitment-kept`, creditCode, kind: 'commitment-kept', applicationNo, summary: `deferred materials of ${applicationNo} received in time` });
      return true;
    }
    const reason = `deferred materials not received by ${formatShanghai(deadline.dueAt)}`;
    c.moveTo('revocation-pending', reason);
    await send(c.notify.toHead('commitment-overdue', `commitment-overdue:${round}`));
    const d = await revocationPhase(c, { reason, allowExtend: true, step: `revocation-commitment:${round}`, commitmentBroken: true });
    if (d.action === 'revoke') {
      await tellConcernedDepartments(c, d.reason);
      await run('pushCreditRecord', 'credit record: dishonesty (broken commitment)', { businessKey: `${applicationNo}:credit:dishonesty`, creditCode, kind: 'dishonesty', applicationNo, summary: `commitment of ${applicationNo} broken: deferred materials not received; licence revoked`, detail: { reason: d.reason } });
      return false;
    }
    opened = await run('openCommitment', 'extend the commitment period', { applicationNo, itemCode: input.itemCode, from: c.decidedAt, deadline: d.newDeadline, step: `commitment-extended:${round}`, actor: d.actor, reason: d.reason });
  }
}
