// The complaint's work: one supervisionTask child (origin complaint) for the division that holds
// it, with the claim window the registration (or a forward) opened.
import { ParentClosePolicy, condition, startChild, workflowInfo } from '@temporalio/workflow';
import type { ClaimWindow, SupervisionTaskResult } from '../contracts.js';
import { SgCreditCode, SgDepartment, SgDivision, SgRegion } from '../domain/search-attributes.js';
import { supervisionTask } from '../supervisionTask.js';
import type { ComplaintRun, ComplaintTask } from './state.js';

/** The task of the division that holds the complaint now, started and watched to its end. */
export async function startComplaintTask(c: ComplaintRun, claimWindow: ClaimWindow): Promise<ComplaintTask> {
  const handle = await startTask(c, claimWindow);
  const id = c.reg!.taskId;
  c.watchers.push(handle.result().then((r) => void c.taskResults.set(id, r)));
  return handle;
}

/** The end of the task of the division that holds the complaint (after any forward). */
export async function awaitTaskEnd(c: ComplaintRun): Promise<SupervisionTaskResult> {
  await condition(() => c.taskResult !== undefined);
  return c.taskResult!;
}

function startTask(c: ComplaintRun, claimWindow: ClaimWindow): Promise<ComplaintTask> {
  const { input, no } = c;
  const r = c.reg!;
  return startChild(supervisionTask, {
    workflowId: r.taskId,
    parentClosePolicy: ParentClosePolicy.TERMINATE,
    staticSummary: `complaint ${no} (${input.source}) handled by ${r.route.departmentCode} / ${r.route.divisionCode}`,
    typedSearchAttributes: [
      ...(r.creditCode ? [{ key: SgCreditCode, value: r.creditCode }] : []),
      { key: SgRegion, value: input.regionCode },
      { key: SgDepartment, value: r.route.departmentCode },
      { key: SgDivision, value: r.route.divisionCode },
    ],
    args: [
      {
        taskId: r.taskId,
        origin: { kind: 'complaint', no, workflowId: workflowInfo().workflowId },
        departmentCode: r.route.departmentCode,
        divisionCode: r.route.divisionCode,
        supervisionItemCode: r.route.supervisionItemCode,
        creditCode: r.creditCode ?? '',
        applicantName: input.enterprise.name,
        ...(input.itemCode && { itemCode: input.itemCode }),
        itemName: r.subject,
        regionCode: input.regionCode,
        claimWindow,
      },
    ],
  });
}
