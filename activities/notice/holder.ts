// What every step of a department notice (docs/notices.md) shares: the holder department's terms
// (its region and that region's deadline policy), what the workflow keeps of the holder, and the
// step written on both trails — the notice's own (its id is the trail's key) and its origin's
// (the revoking case, the reporting task's case, the registration), so both sides show it.
import { ApplicationFailure } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { approvalItems, deadlinePolicies, departmentNotices, departments, regions } from '../../db/schema/index.js';
import { snapshotOf } from '../../db/policies.js';
import { FailureType } from '../../workflows/contracts.js';
import type { EscalationTarget } from '../../workflows/notices.js';
import { recordStep, type StepRecord, type Writer } from '../steps.js';

type NoticeRow = typeof departmentNotices.$inferSelect;
export const OPEN = ['awaiting-claim', 'awaiting-acknowledgement'];

export const catalogError = (message: string) => ApplicationFailure.create({ type: FailureType.CatalogError, message, nonRetryable: true });

/** A department, its region and that region's deadline policy. */
export async function departmentTerms(db: Db, code: string) {
  const [row] = await db
    .select({ code: departments.code, regionCode: departments.regionCode, policy: deadlinePolicies })
    .from(departments)
    .innerJoin(regions, eq(regions.code, departments.regionCode))
    .leftJoin(deadlinePolicies, eq(deadlinePolicies.code, regions.deadlinePolicy))
    .where(eq(departments.code, code));
  if (!row) throw catalogError(`department ${code} not found`);
  if (!row.policy) throw catalogError(`the deadline policy of region ${row.regionCode} was not found`);
  return { ...row, policy: snapshotOf(row.policy) };
}

async function itemName(db: Db, code: string | null): Promise<string | null> {
  if (!code) return null;
  const [i] = await db.select({ name: approvalItems.name }).from(approvalItems).where(eq(approvalItems.code, code));
  return i?.name ?? null;
}

/** What the workflow keeps of the holder: whom to tell and when it is due. */
export async function holderOf(db: Db, row: NoticeRow) {
  return {
    departmentCode: row.departmentCode,
    divisionCode: row.divisionCode,
    regionCode: row.regionCode,
    itemCode: row.itemCode,
    itemName: await itemName(db, row.itemCode),
    dueAt: row.dueAt.toISOString(),
    remindAt: row.remindAt?.toISOString() ?? null,
    period: `${row.policy.claimWindow} ${row.policy.unit === 'minute' ? 'minutes (training)' : 'working days'}`,
    escalateTo: row.policy.claimEscalateTo as EscalationTarget[],
  };
}

/** The step on the notice's own trail, and its twin on the origin's trail (the other side). */
export async function recordBoth(w: Writer, row: Pick<NoticeRow, 'noticeId' | 'originTrail' | 'taskId' | 'applicationNo'>, step: Omit<StepRecord, 'applicationNo' | 'key'> & { key: string }, at: Date): Promise<void> {
  await recordStep(w, { ...step, key: `${row.noticeId}:${step.key}`, applicationNo: row.noticeId, taskId: undefined, detail: { ...step.detail, noticeId: row.noticeId } }, at);
  await recordStep(w, { ...step, key: `${row.originTrail}:${row.noticeId}:${step.key}`, applicationNo: row.originTrail, taskId: row.originTrail === row.applicationNo ? (row.taskId ?? undefined) : undefined, detail: { ...step.detail, noticeId: row.noticeId } }, at);
}
