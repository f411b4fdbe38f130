// What the catalog routes share: who may write a department's entries, the department a body
// names (422 when it does not exist or is on the other side), the linkage view, and the signal
// that lets unrouted cases try again when a linkage starts routing live work.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { caseWorkflowId, linkagesChangedSignal, transferSignal, type Actor } from '../../../workflows/contracts.js';
import { runningTasksOf } from '../../../db/queries/tasks.js';
import { unroutedCaseWorkflows } from '../../../db/queries/cases.js';
import { linkageStatus } from '../../../db/schema/index.js';
import type { LinkageRow } from '../../../db/queries/linkages.js';
import { departmentByCode, type DepartmentRow } from '../../../db/queries/organization.js';
import { policyUnits, worldMisfit } from '../../../db/queries/catalog.js';
import type { Principal } from '../../auth.js';
import { forbidden, problems, unprocessable } from '../../errors.js';
import { pick } from '../../schemas.js';

export const errors = problems(400, 401, 403, 404, 409, 422);
export const idParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** The department a body names, or a 422 naming it. */
export async function departmentOf(app: FastifyInstance, code: string, side?: 'approval' | 'supervision'): Promise<DepartmentRow> {
  const d = await departmentByCode(app.db, code);
  if (!d) throw unprocessable(`department ${code} does not exist`);
  if (side && d.side !== side) throw unprocessable(`department ${code} is on the ${d.side} side, not ${side}`);
  return d;
}

/**
 * A 422 when a linkage would join rehearsal and live work: an item of a training region is
 * supervised by a department of a training region only, and a live item by a live one.
 */
export async function sameWorld(app: FastifyInstance, item: { code: string; regionCode: string }, dept: DepartmentRow): Promise<void> {
  const misfit = worldMisfit(await policyUnits(app.db, [], [item.regionCode, dept.regionCode]), item.regionCode, dept.code, dept.regionCode);
  if (misfit) throw unprocessable(`approval item ${item.code}: ${misfit}`);
}

/** Regional admins write for their region; a department writes its own entries. */
export function mayWrite(p: Principal, dept: { code: string; regionCode: string }): void {
  if (p.role === 'regional-admin' ? p.region === dept.regionCode : p.department === dept.code) return;
  throw forbidden(`${p.sub} may not change the catalog of department ${dept.code}`);
}

/** A confirmed linkage routes live work: the cases of the item that found none try again. */
export async function afterRoutingChange(app: FastifyInstance, itemCode: string): Promise<void> {
  for (const workflowId of await unroutedCaseWorkflows(app.db, itemCode)) {
    // The case also re-checks by itself once a day, so a lost signal only delays it.
    await app.temporal.workflow
      .getHandle(workflowId)
      .signal(linkagesChangedSignal, { itemCode })
      .catch((err: unknown) => app.log.warn({ err, workflowId }, 'could not signal an unrouted case'));
  }
}

/**
 * 移交: a settlement moved a linkage from `before`'s department to `after`'s (confirmed, with its
 * division): each case with a running task of the item at the old department is signalled, and
 * closes that task as transferred and pushes a new one to the new department. The count answers.
 */
export async function transferRunningTasks(app: FastifyInstance, before: LinkageRow, after: LinkageRow, actor: Actor, reason: string): Promise<number> {
  if (after.status !== 'confirmed' || !after.divisionCode || after.supervisionDepartmentCode === before.supervisionDepartmentCode) return 0;
  const running = await runningTasksOf(app.db, before.approvalItemCode, before.supervisionDepartmentCode);
  const to = { departmentCode: after.supervisionDepartmentCode, divisionCode: after.divisionCode, ...(after.supervisionItemCode && { supervisionItemCode: after.supervisionItemCode }) };
  for (const t of running) {
    await app.temporal.workflow
      .getHandle(caseWorkflowId(t.applicationNo))
      .signal(transferSignal, { linkageId: after.id, fromDepartment: before.supervisionDepartmentCode, to, actor, reason })
      .catch((err: unknown) => app.log.warn({ err, taskId: t.taskId }, 'could not signal a case to transfer its task'));
  }
  return running.length;
}

export const linkageView = z.object({
  id: z.number().int(),
  approvalItemCode: z.string(),
  supervisionDepartmentCode: z.string(),
  supervisionItemCode: z.string().nullable(),
  divisionCode: z.string().nullable(),
  status: z.enum(linkageStatus.enumValues),
  proposedBy: z.string().nullable(),
  confirmedBy: z.string().nullable(),
  disputeReason: z.string().nullable(),
  disputedBy: z.string().nullable(),
  settledBy: z.string().nullable(),
  settlement: z.string().nullable(),
}).meta({ id: 'Linkage' });

export const view = (l: LinkageRow): z.infer<typeof linkageView> => pick(linkageView, l);
