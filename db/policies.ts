// Which deadline policy governs a case: the item's own, else its region's.
import { eq, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from './client.js';
import { calendarVersionColumn } from './calendar.js';
import { approvalItems, cases, deadlinePolicies, regions } from './schema/index.js';
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
    rectificationMonths: p.rectificationMonths ?? null,
    inspectionWindow: p.inspectionWindow ?? null,
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

export type ItemTerms = Awaited<ReturnType<typeof itemTerms>>;

const termsOfCase = preparedPerDb((db) =>
  db
    .select({ terms: cases.pinnedTerms, itemCode: cases.itemCode, regionCode: cases.regionCode, calendarVersion: calendarVersionColumn })
    .from(cases)
    .where(eq(cases.applicationNo, sql.placeholder('no')))
    .prepare('case_terms'),
);

/**
 * The terms a case runs under: those pinned at its submission (issue #25: a catalog change —
 * a new policy, another commitment period — never alters a running case), in one statement
 * with the calendar version; the item's terms now for a case opened before terms were pinned.
 */
export async function caseTerms(db: Db, applicationNo: string): Promise<ItemTerms> {
  const [row] = await termsOfCase(db).execute({ no: applicationNo });
  if (!row) throw new Error(`case ${applicationNo} not found`);
  if (!row.terms) return itemTerms(db, row.itemCode);
  return { policy: { ...row.terms.policy, updatedAt: new Date(0) }, regionCode: row.regionCode, commitmentPeriodDays: row.terms.commitmentPeriodDays, calendarVersion: row.calendarVersion };
}
