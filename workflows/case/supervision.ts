// Supervision (事中事后监管): one supervisionTask child per linkage, each with the claim window
// the push opened; every result comes back (双向推送) and goes to the credit platform, and a
// revocation request is handled as soon as it arrives, through the approval department.
import { ParentClosePolicy, condition, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import { run } from '../acts.js';
import { taskId, taskTransferSignal, transferSignal, type ClaimWindow, type SupervisionTaskResult, type TransferArgs } from '../contracts.js';
import { supervisionTask } from '../supervisionTask.js';
import { revocationPhase, tellLinkedDepartments } from './revocation.js';
import type { Linkage } from './routing.js';
import type { CaseRun } from './state.js';
import { SgApplicationNo, SgCreditCode, SgDepartment, SgDivision, SgItemCode, SgRegion, stageAttributes } from '../domain/search-attributes.js';

type Child = ChildWorkflowHandle<typeof supervisionTask>;

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
        origin: { kind: 'approval', no: applicationNo, workflowId: workflowInfo().workflowId, dossierId: c.dossierId! },
        departmentCode: link.departmentCode,
        divisionCode: link.divisionCode,
        supervisionItemCode: link.supervisionItemCode,
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
  // Moved to another department: no result to receive; the new task's comes instead.
  if (r.outcome === 'transferred') return;
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

/** Transfers (移交) the arbiter's settlements signalled, handled in order by the supervising loop. */
export function listenForTransfers(c: CaseRun, queue: TransferArgs[]): void {
  setHandler(transferSignal, (t) => void queue.push(t));
}

/**
 * 移交: the running task of the reassigned department closes as transferred, and a new task
 * goes to the department the arbiter named, with its own claim window and SMS as at a push.
 * Nothing when the case has no open task there, or has had a task of the new department already.
 */
async function transfer(c: CaseRun, t: TransferArgs, children: Child[], links: Linkage[]): Promise<Child | undefined> {
  const i = c.tasks.findIndex((x) => x.departmentCode === t.fromDepartment && x.status === 'open');
  if (i < 0 || c.tasks.some((x) => x.departmentCode === t.to.departmentCode)) return undefined;
  const from = c.tasks[i]!.taskId;
  const to = taskId(c.applicationNo, t.to.departmentCode);
  try {
    await children[i]!.signal(taskTransferSignal, { linkageId: t.linkageId, toDepartment: t.to.departmentCode, toTaskId: to, actor: t.actor, reason: t.reason });
  } catch {
    return undefined; // the task had ended by itself: its result stands, nothing to move
  }
  // Only a task that did close as transferred is replaced: one whose result came first keeps it.
  if ((await children[i]!.result()).outcome !== 'transferred') return undefined;
  const { claimWindow } = await run('recordTransfer', `linkage ${t.linkageId} reassigned: ${from} → ${to}`, { applicationNo: c.applicationNo, linkageId: t.linkageId, fromTaskId: from, toTaskId: to, toDepartment: t.to.departmentCode, actor: t.actor, reason: t.reason });
  const link = { departmentCode: t.to.departmentCode, divisionCode: t.to.divisionCode, supervisionItemCode: t.to.supervisionItemCode };
  links.push(link);
  return startTask(c, link, claimWindow);
}

/** Until every task is closed; true when the licence was revoked on a task's request. */
export async function superviseUntilClosed(c: CaseRun, children: Child[], links: Linkage[], transfers: TransferArgs[] = []): Promise<boolean> {
  const requests: SupervisionTaskResult[] = [];
  let open = 0;
  const watchers: Promise<void>[] = [];
  const watch = (child: Child, i: number) => {
    open += 1;
    watchers.push(receive(c, child, i, requests).then(() => void (open -= 1)));
  };
  children.forEach(watch);
  let revoked = false;
  for (;;) {
    await condition(() => open === 0 || (requests.length > 0 && !revoked) || (transfers.length > 0 && !revoked));
    const moved = revoked ? undefined : transfers.shift();
    if (moved) {
      const child = await transfer(c, moved, children, links);
      if (child) {
        children.push(child);
        watch(child, c.tasks.length - 1);
      }
      continue;
    }
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
