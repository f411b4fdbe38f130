// Which deadline policy governs a case: the item's own, else its region's.
import { eq, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from './client.js';
import { calendarVersionColumn } from './calendar.js';
import { approvalItems, deadlinePolicies, regions } from './schema/index.js';
import type { PolicySnapshot } from '../workflows/domain/policy.js';

export type DeadlinePolicy = typeof deadlinePolicies.$inferSelect;

export type { PolicySnapshot };

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
  return (await itemTerms(db, itemCode)).policy;
}

const termsOfItem = preparedPerDb((db) =>
  db
    .select({ item: approvalItems.code, regionCode: approvalItems.regionCode, commitmentPeriodDays: approvalItems.commitmentPeriodDays, policy: deadlinePolicies, calendarVersion: calendarVersionColumn })
    .from(approvalItems)
    .innerJoin(regions, eq(regions.code, approvalItems.regionCode))
    .leftJoin(deadlinePolicies, eq(deadlinePolicies.code, sql`coalesce(${approvalItems.deadlinePolicy}, ${regions.deadlinePolicy})`))
    .where(eq(approvalItems.code, sql.placeholder('code')))
    .prepare('item_terms'),
);

/**
 * In one statement (prepared once per database), what an activity computing one of the item's deadlines needs: the policy
 * (the item's own, else its region's), the item's region (whose calendar counts), its own commitment period, and the calendar
 * version as of the same moment (for `CalendarSource.current`, which then makes no lookup).
 */
export async function itemTerms(db: Db, itemCode: string): Promise<{ policy: DeadlinePolicy; regionCode: string; commitmentPeriodDays: number | null; calendarVersion: number }> {
  const [row] = await termsOfItem(db).execute({ code: itemCode });
  if (!row) throw new Error(`approval item ${itemCode} not found`);
  if (!row.policy) throw new Error(`the deadline policy of item ${itemCode} was not found`);
  return { policy: row.policy, regionCode: row.regionCode, commitmentPeriodDays: row.commitmentPeriodDays, calendarVersion: row.calendarVersion };
}
