// The catalogs as the API reads them: approval and supervision items, deadline policies, the
// references a bulk import checks in a few statements, and the routing alerts.
import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { preparedPerDb, type Db } from '../client.js';
import { alerts, approvalItems, cases, complaints, deadlinePolicies, departmentNotices, departments, divisions, jointPunishmentMeasures, leniencyEntries, regions, supervisionItems } from '../schema/index.js';

export type ApprovalItemRow = typeof approvalItems.$inferSelect;
export type SupervisionItemRow = typeof supervisionItems.$inferSelect;
/** A catalog whose entries have a code and an owning department: the items, and the two per-region lists (包容免罚, 联合惩戒). */
export type ItemTable = typeof approvalItems | typeof supervisionItems | typeof leniencyEntries | typeof jointPunishmentMeasures;

/** The submitted item's catalog row: every submission reads it. */
const approvalItemStatement = preparedPerDb((db) => db.select().from(approvalItems).where(eq(approvalItems.code, sql.placeholder('code'))).prepare('approval_item_by_code'));

export async function approvalItemByCode(db: Db, code: string): Promise<ApprovalItemRow | undefined> {
  return (await approvalItemStatement(db).execute({ code }))[0];
}

export async function supervisionItemByCode(db: Db, code: string): Promise<SupervisionItemRow | undefined> {
  return (await db.select().from(supervisionItems).where(eq(supervisionItems.code, code)))[0];
}

/** The department that owns an item of this catalog now, if the item exists. */
export async function itemOwner(db: Db, table: ItemTable, code: string): Promise<string | undefined> {
  const t = table as typeof approvalItems;
  return (await db.select({ departmentCode: t.departmentCode }).from(t).where(eq(t.code, code)))[0]?.departmentCode;
}

export type PolicyUnit = 'working-day' | 'minute';

/** The unit of each named policy, and of each named region's default policy (minute: a training region). */
export async function policyUnits(db: Db, policyCodes: string[], regionCodes: string[]): Promise<{ policies: Map<string, PolicyUnit>; regions: Map<string, PolicyUnit> }> {
  const [policyRows, regionRows] = await Promise.all([
    policyCodes.length ? db.select({ code: deadlinePolicies.code, unit: deadlinePolicies.unit }).from(deadlinePolicies).where(inArray(deadlinePolicies.code, policyCodes)) : [],
    regionCodes.length ? db.select({ code: regions.code, unit: deadlinePolicies.unit }).from(regions).innerJoin(deadlinePolicies, eq(deadlinePolicies.code, regions.deadlinePolicy)).where(inArray(regions.code, regionCodes)) : [],
  ]);
  return { policies: new Map(policyRows.map((p) => [p.code, p.unit as PolicyUnit])), regions: new Map(regionRows.map((r) => [r.code, r.unit as PolicyUnit])) };
}

/**
 * Why an item of `regionCode` may not take `policyCode`, or null: a live item never takes the
 * training policy (minutes), so nobody turns a real licence's deadlines into minutes.
 */
export function policyMisfit(units: Awaited<ReturnType<typeof policyUnits>>, policyCode: string, regionCode: string): string | null {
  if (units.policies.get(policyCode) !== 'minute' || units.regions.get(regionCode) === 'minute') return null;
  return `deadline policy ${policyCode} counts in minutes (rehearsal): an item of live region ${regionCode} cannot take it`;
}

/**
 * Why a department of `departmentRegion` may not handle or supervise an item of `itemRegion`, or
 * null: rehearsal (a training region, its policy in minutes) and live work never meet, so a
 * rehearsal case never reaches a live inbox, phone, statistic or the credit platform.
 */
export function worldMisfit(units: Awaited<ReturnType<typeof policyUnits>>, itemRegion: string, departmentCode: string, departmentRegion: string): string | null {
  const rehearsal = (r: string) => units.regions.get(r) === 'minute';
  if (rehearsal(itemRegion) === rehearsal(departmentRegion)) return null;
  return rehearsal(itemRegion)
    ? `an item of rehearsal region ${itemRegion} cannot be handled by department ${departmentCode} of live region ${departmentRegion}`
    : `an item of live region ${itemRegion} cannot be handled by department ${departmentCode} of rehearsal region ${departmentRegion}`;
}

export function listApprovalItems(db: Db, f: { departmentCode?: string; regionCode?: string }): Promise<ApprovalItemRow[]> {
  const where: SQL[] = [];
  if (f.departmentCode) where.push(eq(approvalItems.departmentCode, f.departmentCode));
  if (f.regionCode) where.push(eq(approvalItems.regionCode, f.regionCode));
  return db.select().from(approvalItems).where(and(...where)).orderBy(asc(approvalItems.code));
}

export function listSupervisionItems(db: Db, f: { departmentCode?: string }): Promise<SupervisionItemRow[]> {
  return db.select().from(supervisionItems).where(f.departmentCode ? eq(supervisionItems.departmentCode, f.departmentCode) : undefined).orderBy(asc(supervisionItems.code));
}

export type ReferenceKind = 'departments' | 'regions' | 'divisions' | 'policies' | 'items' | 'catalogItems';

/** What a bulk import's rows name that exists, looked up in a statement per kind. */
export interface KnownReferences {
  /** item code → the department owning it now */
  items: Map<string, string>;
  departments: Map<string, { code: string; side: string; regionCode: string }>;
  regions: Set<string>;
  /** division code → its department */
  divisions: Map<string, string>;
  policies: Set<string>;
  /** Codes named in a list's item scope that are approval or supervision items. */
  catalogItems: Set<string>;
}

export async function knownReferences(db: Db, want: Record<ReferenceKind, Set<string>>, table: ItemTable): Promise<KnownReferences> {
  const list = (s: Set<string>) => [...s];
  const t = table as typeof approvalItems; // every ItemTable has code and departmentCode
  const [items, regionRows, divisionRows, policyRows, catalogItemRows] = await Promise.all([
    want.items.size ? db.select({ code: t.code, departmentCode: t.departmentCode }).from(t).where(inArray(t.code, list(want.items))) : [],
    want.regions.size ? db.select({ code: regions.code }).from(regions).where(inArray(regions.code, list(want.regions))) : [],
    want.divisions.size ? db.select({ code: divisions.code, departmentCode: divisions.departmentCode }).from(divisions).where(inArray(divisions.code, list(want.divisions))) : [],
    want.policies.size ? db.select({ code: deadlinePolicies.code }).from(deadlinePolicies).where(inArray(deadlinePolicies.code, list(want.policies))) : [],
    want.catalogItems.size
      ? db.select({ code: approvalItems.code }).from(approvalItems).where(inArray(approvalItems.code, list(want.catalogItems))).union(db.select({ code: supervisionItems.code }).from(supervisionItems).where(inArray(supervisionItems.code, list(want.catalogItems))))
      : [],
  ]);
  // The departments of existing items too: moving an item needs the scope of both.
  const departmentCodes = [...want.departments, ...items.map((i) => i.departmentCode)];
  const departmentRows = departmentCodes.length
    ? await db.select({ code: departments.code, side: departments.side, regionCode: departments.regionCode }).from(departments).where(inArray(departments.code, departmentCodes))
    : [];
  return {
    items: new Map(items.map((i) => [i.code, i.departmentCode])),
    departments: new Map(departmentRows.map((d) => [d.code, d])),
    regions: new Set(regionRows.map((r) => r.code)),
    divisions: new Map(divisionRows.map((d) => [d.code, d.departmentCode])),
    policies: new Set(policyRows.map((p) => p.code)),
    catalogItems: new Set(catalogItemRows.map((i) => i.code)),
  };
}

/** Routing alerts, oldest first: of one region, or all; open only, or all. */
export function listAlerts(db: Db, f: { regionCode?: string; open: boolean }) {
  const where: SQL[] = [];
  if (f.regionCode !== undefined) where.push(eq(alerts.regionCode, f.regionCode));
  if (f.open) where.push(isNull(alerts.resolvedAt));
  return db.select().from(alerts).where(and(...where)).orderBy(asc(alerts.id));
}

/** The rehearsal (培训演练) regions, as a subquery: those whose default policy counts in minutes. */
export const rehearsalRegions = sql`(select r.code from ${regions} r join ${deadlinePolicies} p on p.code = r.deadline_policy where p.unit = 'minute')`;

/**
 * The unit of the policy of the region a file is in, by its number: the same join for a case and
 * for a complaint (their regions' default policies), prepared once per table.
 */
function regionPolicyUnit(file: typeof cases | typeof complaints, regionCode: AnyPgColumn, fileNo: AnyPgColumn, name: string) {
  return preparedPerDb((db) =>
    db
      .select({ unit: deadlinePolicies.unit })
      .from(file)
      .innerJoin(regions, eq(regions.code, regionCode))
      .innerJoin(deadlinePolicies, eq(deadlinePolicies.code, regions.deadlinePolicy))
      .where(eq(fileNo, sql.placeholder('no')))
      .prepare(name),
  );
}

const unitOfCase = regionPolicyUnit(cases, cases.regionCode, cases.applicationNo, 'case_policy_unit');
const unitOfComplaint = regionPolicyUnit(complaints, complaints.regionCode, complaints.complaintNo, 'complaint_policy_unit');

/** A department notice's unit: the policy it keeps (a notice's trail key is its id, not a case's). */
const unitOfNotice = preparedPerDb((db) =>
  db.select({ unit: sql<string>`${departmentNotices.policy}->>'unit'` }).from(departmentNotices).where(eq(departmentNotices.noticeId, sql.placeholder('no'))).prepare('notice_policy_unit'),
);

/**
 * Whether a file (a case, a complaint: docs/task-origins.md, or a department notice) is a
 * rehearsal: its region's policy counts in minutes. A rehearsal sends nothing for real.
 */
export async function isRehearsal(db: Db, fileNo: string): Promise<boolean> {
  const [row] = await unitOfCase(db).execute({ no: fileNo });
  if (row) return row.unit === 'minute';
  if (fileNo.startsWith('notice-')) {
    const [n] = await unitOfNotice(db).execute({ no: fileNo });
    return n?.unit === 'minute';
  }
  const [complaint] = await unitOfComplaint(db).execute({ no: fileNo });
  return complaint?.unit === 'minute';
}
