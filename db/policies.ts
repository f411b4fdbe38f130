// Which deadline policy governs a case: the item's own, else its region's.
import { eq, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { approvalItems, deadlinePolicies, regions } from './schema/index.js';

export type DeadlinePolicy = typeof deadlinePolicies.$inferSelect;

/** The snapshot a task keeps, so a later policy change never alters a running case. */
export interface PolicySnapshot {
  code: string;
  unit: 'working-day' | 'minute';
  officeTime: string;
  claimWindow: number;
  feedbackWindow: number;
  claimRemindBefore: number;
  feedbackRemindBefore: number;
  claimEscalateTo: Array<'department-head' | 'coordinating-office'>;
  /** Default rectification period (snapshots taken before it existed: 22 working days). */
  rectificationPeriod?: number;
}

export function snapshotOf(p: DeadlinePolicy): PolicySnapshot {
  return {
    code: p.code,
    unit: p.unit as PolicySnapshot['unit'],
    officeTime: p.officeTime,
    claimWindow: p.claimWindow,
    feedbackWindow: p.feedbackWindow,
    claimRemindBefore: p.claimLadder.remindBefore,
    feedbackRemindBefore: p.feedbackLadder.remindBefore,
    claimEscalateTo: p.claimLadder.escalateTo,
    rectificationPeriod: p.rectificationPeriod,
  };
}

export async function policyForItem(db: Db, itemCode: string): Promise<DeadlinePolicy> {
  // One statement: the item's own policy, else its region's.
  const [row] = await db
    .select({ item: approvalItems.code, policy: deadlinePolicies })
    .from(approvalItems)
    .innerJoin(regions, eq(regions.code, approvalItems.regionCode))
    .leftJoin(deadlinePolicies, eq(deadlinePolicies.code, sql`coalesce(${approvalItems.deadlinePolicy}, ${regions.deadlinePolicy})`))
    .where(eq(approvalItems.code, itemCode));
  if (!row) throw new Error(`approval item ${itemCode} not found`);
  if (!row.policy) throw new Error(`the deadline policy of item ${itemCode} was not found`);
  return row.policy;
}
