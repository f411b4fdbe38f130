// 撤销许可: the approval department decides a pending revocation (asked by supervision, or
// allowed by an overdue commitment), reminded and escalated like any other window; every
// department it concerns is told and acknowledges (联动告知).
import { ParentClosePolicy, condition, setHandler, startChild } from '@temporalio/workflow';
import { run } from '../acts.js';
import { FailureType, revocationNoticeId, revocationUpdate, type RevocationArgs } from '../contracts.js';
import { departmentNotice } from '../departmentNotice.js';
import { SgApplicationNo, SgCreditCode, SgDepartment } from '../domain/search-attributes.js';
import { formatShanghai } from '../domain/format.js';
import { send, type Notice } from '../notices.js';
import { waitOutWindow } from '../window.js';
import { refuse, type CaseRun } from './state.js';

/** An extension runs for at most a year. */
const MAX_EXTENSION_MS = 366 * 86_400_000;

async function revocationDecided(c: CaseRun, args: RevocationArgs) {
  c.revocationDecision = args;
  if (args.action === 'revoke') {
    c.licenceStatus = 'revoked';
    await run('revokeLicence', `revoke the licence: ${args.reason}`, { applicationNo: c.applicationNo, actor: args.actor, reason: args.reason, at: new Date().toISOString() });
    return { applicationNo: c.applicationNo, stage: 'revoked', licenceStatus: c.licenceStatus } as const;
  }
  return { applicationNo: c.applicationNo, stage: 'awaiting-materials', licenceStatus: c.licenceStatus } as const;
}

export function handleRevocation(c: CaseRun): void {
  setHandler(revocationUpdate, (args) => revocationDecided(c, args), {
    validator: (args) => {
      c.ownDepartment(args.actor.department);
      if (!c.pendingRevocation || c.revocationDecision) refuse(FailureType.InvalidState, `case ${c.applicationNo} is ${c.stage}: no revocation is pending`);
      if (args.action !== 'extend') return;
      if (!c.pendingRevocation.allowExtend) refuse(FailureType.InvalidState, 'a revocation requested by supervision cannot be extended');
      const at = Date.parse(args.newDeadline ?? '');
      if (Number.isNaN(at) || at <= Date.now()) refuse(FailureType.Invalid, 'extend needs a newDeadline in the future');
      if (at > Date.now() + MAX_EXTENSION_MS) refuse(FailureType.Invalid, 'an extension runs for at most a year');
    },
  });
}

export interface PendingRevocation {
  reason: string;
  allowExtend: boolean;
  /** The step key of this revocation: `revocation:<taskId>` or `revocation-commitment:<round>`. */
  step: string;
  commitmentBroken: boolean;
}

/** The head's notice of a pending revocation, in the words of its cause: supervision asked (复查未整改), or deferred materials overdue. */
function askHead(c: CaseRun, step: string, key: string, dueAt: string): Notice {
  const due = { dueAt: formatShanghai(dueAt) };
  return step.startsWith('revocation:') ? c.notify.toHead('revocation-request', key, { taskId: step.slice('revocation:'.length), ...due }) : c.notify.toHead('revocation-materials', key, due);
}

/** Waits for the approval department's decision on a revocation; answers it. */
export async function revocationPhase(c: CaseRun, spec: PendingRevocation): Promise<RevocationArgs> {
  c.revocationDecision = undefined;
  c.pendingRevocation = { allowExtend: spec.allowExtend };
  const { reason, step } = spec;
  const w = await run('openRevocation', `revocation pending: ${reason}`, { applicationNo: c.applicationNo, itemCode: c.input.itemCode, reason, step, commitmentBroken: spec.commitmentBroken });
  c.moveTo('revocation-pending', `${reason}; decision due ${formatShanghai(w.dueAt)}`, w.dueAt);
  await send(askHead(c, step, `${step}:notice`, w.dueAt));
  const { expired, deadline } = await waitOutWindow(c.imports, {
    label: 'revocation decision',
    deadline: { dueAt: w.dueAt, remindAt: w.remindAt },
    isOpen: () => c.revocationDecision === undefined,
    retime: (importId, d) => c.retime('revocation', importId, d),
    remind: (d) => send(askHead(c, step, `${step}:reminder:${d.dueAt}`, d.dueAt)),
    moved: (d) => c.moveTo('revocation-pending', `${reason}; decision due ${formatShanghai(d.dueAt)} (calendar updated)`, d.dueAt),
  });
  if (expired) {
    await send(c.notify.revocationEscalation(step, deadline.dueAt));
    await condition(() => c.revocationDecision !== undefined);
  }
  c.pendingRevocation = undefined;
  return c.revocationDecision!;
}

/**
 * 联动告知: every department the revocation concerns (by the catalogs: those linked to the case,
 * and those with work of the same enterprise) gets a notice to acknowledge within its window
 * (departmentNotice, docs/notices.md). Abandoned by the case: each runs to its acknowledgement.
 */
export async function tellConcernedDepartments(c: CaseRun, reason: string): Promise<void> {
  const { applicationNo, input } = c;
  const concerned = await run('revocationConcerns', 'the departments the revocation concerns (联动告知)', { applicationNo });
  for (const to of concerned) {
    await startChild(departmentNotice, {
      workflowId: revocationNoticeId(applicationNo, to.departmentCode),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `联动告知 of the revocation of ${applicationNo} to ${to.departmentCode}`,
      typedSearchAttributes: [
        { key: SgApplicationNo, value: applicationNo },
        { key: SgCreditCode, value: input.applicant.creditCode },
        { key: SgDepartment, value: to.departmentCode },
      ],
      args: [
        {
          noticeId: revocationNoticeId(applicationNo, to.departmentCode),
          kind: 'linkage',
          to,
          raisedBy: c.revocationDecision?.actor ?? { sub: 'system', role: 'system' },
          originTrail: applicationNo,
          creditCode: input.applicant.creditCode,
          subjectName: input.applicant.name,
          matter: `licence ${input.itemCode} (${c.item!.itemName}) of case ${applicationNo} revoked: ${reason}`,
          itemCode: input.itemCode,
          applicationNo,
        },
      ],
    });
  }
}
