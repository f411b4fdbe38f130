// Supervision (事中事后监管): one supervisionTask child per linkage, each with the claim window
// the push opened; every result comes back (双向推送) and goes to the credit platform, and a
// revocation request is handled as soon as it arrives, through the approval department.
import { ParentClosePolicy, condition, startChild, workflowInfo } from '@temporalio/workflow';
import { run } from '../acts.js';
import { taskId, type ClaimWindow, type SupervisionTaskResult } from '../contracts.js';
import { supervisionTask } from '../supervisionTask.js';
import { revocationPhase, tellLinkedDepartments } from './revocation.js';
import type { Linkage } from './routing.js';
import type { CaseRun } from './state.js';
import { SgApplicationNo, SgCreditCode, SgDepartment, SgDivision, SgItemCode, SgRegion, stageAttributes } from '../domain/search-attributes.js';

type Child = { result(): Promise<SupervisionTaskResult> };

function startTask(c: CaseRun, link: Linkage, claimWindow: ClaimWindow) {
  const { applicationNo, input } = c;
  const item = c.item!;
  const id = taskId(applicationNo, link.departmentCode);
  c.tasks.push({ taskId: id, departmentCode: link.departmentCode, status: 'open' });
  return startChild(supervisionTask, {
    workflowId: id,
    parentClosePolicy: ParentClosePolicy.TERMINATE,
    staticSummary: `supervision of ${applicationNo} by ${link.departmentCode} / ${link.divisionCode}`,
    staticDetails: `item ${input.itemCode}, applicant ${input.applicant.creditCode}`,
    typedSearchAttributes: [
      { key: SgApplicationNo, value: applicationNo },
      { key: SgCreditCode, value: input.applicant.creditCode },
      { key: SgItemCode, value: input.itemCode },
      { key: SgRegion, value: item.regionCode },
      { key: SgDepartment, value: link.departmentCode },
      { key: SgDivision, value: link.divisionCode },
      ...stageAttributes('awaiting-claim', claimWindow.dueAt),
    ],
    args: [
      {
        taskId: id,
        applicationNo,
        caseWorkflowId: workflowInfo().workflowId,
        departmentCode: link.departmentCode,
        divisionCode: link.divisionCode,
        supervisionItemCode: link.supervisionItemCode,
        dossierId: c.dossierId!,
        creditCode: input.applicant.creditCode,
        applicantName: input.applicant.name,
        itemCode: input.itemCode,
        itemName: item.itemName,
        regionCode: item.regionCode,
        ...(c.scenario === 'post-verification' && { verifyCommitment: true }),
        claimWindow,
      },
    ],
  });
}

/** The push (推送): on the record before any task exists, so the trail reads push → task → SMS. */
export async function pushTasks(c: CaseRun, links: Linkage[]): Promise<Child[]> {
  const departments = links.map((l) => l.departmentCode).join(', ');
  c.moveTo('supervising', `${links.length} supervision task(s): ${departments}`);
  const { claimWindow } = await run('recordPush', `dossier pushed to ${links.length} department(s)`, {
    applicationNo: c.applicationNo,
    itemCode: c.input.itemCode,
    summary: `dossier pushed to ${links.length} supervising department(s): ${departments}`,
    taskIds: links.map((l) => taskId(c.applicationNo, l.departmentCode)),
  });
  const children: Child[] = [];
  for (const link of links) children.push(await startTask(c, link, claimWindow));
  return children;
}

/** A task's result, received and on the credit record; a revocation request is queued. */
async function receive(c: CaseRun, child: Child, i: number, requests: SupervisionTaskResult[]): Promise<void> {
  const { applicationNo } = c;
  const r = await child.result();
  const outcome = r.outcome ?? r.result;
  const departmentCode = r.departmentCode ?? c.tasks[i]!.departmentCode;
  c.tasks[i] = { ...c.tasks[i]!, status: 'closed', result: outcome };
  await run('recordResultReceipt', `result of ${r.taskId} received`, { applicationNo, taskId: r.taskId, departmentCode, outcome, result: r.result });
  await run('pushCreditRecord', `credit record: supervision result of ${r.taskId}`, { businessKey: `${r.taskId}:credit:result`, creditCode: c.input.applicant.creditCode, kind: 'supervision-result', applicationNo, taskId: r.taskId, summary: `supervision result from ${departmentCode}: ${outcome}` });
  if (r.outcome === 'revocation-requested') requests.push(r);
}

/** The first revocation request is decided by the approval department, the linked departments told. */
async function revokeOnRequest(c: CaseRun, req: SupervisionTaskResult, links: Linkage[]): Promise<void> {
  const broken = req.result === 'commitment-untrue';
  const reason = `requested by ${req.departmentCode}: ${req.reason ?? 'not rectified'}`;
  const d = await revocationPhase(c, { reason, allowExtend: false, step: `revocation:${req.taskId}`, commitmentBroken: broken });
  await tellLinkedDepartments(c, links, d.reason);
  const { applicationNo } = c;
  await run('pushCreditRecord', `credit record: ${broken ? 'broken commitment' : 'revocation'}`, {
    businessKey: `${applicationNo}:credit:${broken ? 'broken-commitment' : 'revocation'}`,
    creditCode: c.input.applicant.creditCode,
    kind: broken ? 'broken-commitment' : 'revocation',
    applicationNo,
    summary: broken ? `commitment of ${applicationNo} found untrue and not rectified: licence revoked (诚信档案)` : `licence of ${applicationNo} revoked: ${d.reason}`,
    detail: { requestedBy: req.departmentCode, reason: d.reason },
  });
}

/** Until every task is closed; true when the licence was revoked on a task's request. */
export async function superviseUntilClosed(c: CaseRun, children: Child[], links: Linkage[]): Promise<boolean> {
  const requests: SupervisionTaskResult[] = [];
  let open = children.length;
  const watchers = children.map(async (child, i) => {
    await receive(c, child, i, requests);
    open -= 1;
  });
  let revoked = false;
  for (;;) {
    await condition(() => open === 0 || (requests.length > 0 && !revoked));
    const req = requests.shift();
    if (req && !revoked) {
      await revokeOnRequest(c, req, links);
      revoked = true;
      continue;
    }
    if (open === 0) break;
  }
  await Promise.all(watchers);
  return revoked;
}
