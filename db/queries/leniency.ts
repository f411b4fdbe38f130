// 包容免罚 and 联合惩戒 as the API and the activities read them: the two per-region lists, the
// earlier offences of an entity (from the trail), and the measures in force on an entity — for
// the routing (告知承诺 refused), the portrait, and the weight a random-inspection draw gives it.
import { and, asc, desc, eq, gt, inArray, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { rehearsalRegions } from './catalog.js';
import { auditEvents, cases, entityPunishments, jointPunishmentMeasures, leniencyAssessments, leniencyEntries, tasks } from '../schema/index.js';

export type LeniencyEntryRow = typeof leniencyEntries.$inferSelect;
export type MeasureRow = typeof jointPunishmentMeasures.$inferSelect;
export type PunishmentRow = typeof entityPunishments.$inferSelect;

export interface ListFilter {
  regionCode?: string;
  departmentCode?: string;
  /** Repealed entries too (they stay for the records that name them). */
  all?: boolean;
}

export function listLeniencyEntries(db: Db, f: ListFilter): Promise<LeniencyEntryRow[]> {
  const where: SQL[] = [];
  if (f.regionCode) where.push(eq(leniencyEntries.regionCode, f.regionCode));
  if (f.departmentCode) where.push(eq(leniencyEntries.departmentCode, f.departmentCode));
  if (!f.all) where.push(isNull(leniencyEntries.repealedAt));
  return db.select().from(leniencyEntries).where(and(...where)).orderBy(asc(leniencyEntries.code));
}

export function listMeasures(db: Db, f: ListFilter): Promise<MeasureRow[]> {
  const where: SQL[] = [];
  if (f.regionCode) where.push(eq(jointPunishmentMeasures.regionCode, f.regionCode));
  if (f.departmentCode) where.push(eq(jointPunishmentMeasures.departmentCode, f.departmentCode));
  if (!f.all) where.push(isNull(jointPunishmentMeasures.repealedAt));
  return db.select().from(jointPunishmentMeasures).where(and(...where)).orderBy(asc(jointPunishmentMeasures.code));
}

export async function leniencyEntryByCode(db: Db, code: string): Promise<LeniencyEntryRow | undefined> {
  return (await db.select().from(leniencyEntries).where(eq(leniencyEntries.code, code)))[0];
}

export async function measureByCode(db: Db, code: string): Promise<MeasureRow | undefined> {
  return (await db.select().from(jointPunishmentMeasures).where(eq(jointPunishmentMeasures.code, code)))[0];
}

/** Why an entry cannot be applied to a task of this region and these items, or null when it can. */
export function entryMisfit(entry: LeniencyEntryRow, task: { regionCode: string | null; itemCodes: string[] }): string | null {
  if (entry.repealedAt) return `inclusive-list entry ${entry.code} was repealed on ${entry.repealedAt.toISOString()}`;
  if (entry.regionCode !== task.regionCode) return `inclusive-list entry ${entry.code} is of region ${entry.regionCode}, the task of region ${task.regionCode ?? '(none)'}`;
  if (!task.itemCodes.some((c) => entry.itemCodes.includes(c))) return `inclusive-list entry ${entry.code} does not cover item ${task.itemCodes.join(' / ')}`;
  return null;
}

/** A task's facts for the inclusive list: its entity, region and the items an entry may name (the case's approval item, its supervision item). */
export async function taskFacts(db: Db, taskId: string) {
  const [t] = await db
    .select({ creditCode: tasks.applicantCreditCode, regionCode: tasks.regionCode, itemCode: cases.itemCode, supervisionItemCode: tasks.supervisionItemCode })
    .from(tasks)
    .innerJoin(cases, eq(cases.applicationNo, tasks.applicationNo))
    .where(eq(tasks.taskId, taskId));
  return t && { taskId, creditCode: t.creditCode, regionCode: t.regionCode, itemCodes: [t.itemCode, ...(t.supervisionItemCode ? [t.supervisionItemCode] : [])] };
}

/** The entries in force in a region that cover any of these items, by code. */
export function entriesCovering(db: Db, regionCode: string, itemCodes: string[]): Promise<LeniencyEntryRow[]> {
  return db
    .select()
    .from(leniencyEntries)
    .where(and(eq(leniencyEntries.regionCode, regionCode), isNull(leniencyEntries.repealedAt), sql`${leniencyEntries.itemCodes} ?| ${sql`array[${sql.join(itemCodes.map((c) => sql`${c}`), sql`, `)}]::text[]`}`))
    .orderBy(asc(leniencyEntries.code));
}

/**
 * The entity's latest earlier non-compliance in the region on an item the entry covers, from the
 * trail (every feedback of rectification or an untrue commitment, ours or another platform's),
 * other than this task's: a task id, or null for a first offence.
 */
export async function earlierOffence(db: Db, f: { creditCode: string; taskId: string; regionCode: string; itemCodes: string[]; before: Date }): Promise<string | null> {
  const [row] = await db
    .select({ taskId: tasks.taskId })
    .from(auditEvents)
    .innerJoin(tasks, eq(tasks.taskId, auditEvents.taskId))
    .innerJoin(cases, eq(cases.applicationNo, tasks.applicationNo))
    .where(
      and(
        eq(auditEvents.kind, 'feedback'),
        sql`${auditEvents.detail}->>'result' in ('rectification', 'commitment-untrue')`,
        eq(tasks.applicantCreditCode, f.creditCode),
        eq(tasks.regionCode, f.regionCode),
        ne(tasks.taskId, f.taskId),
        sql`${auditEvents.at} <= ${f.before.toISOString()}::timestamptz`,
        sql`(${inArray(cases.itemCode, f.itemCodes)} or ${inArray(tasks.supervisionItemCode, f.itemCodes)})`,
      ),
    )
    .orderBy(desc(auditEvents.at))
    .limit(1);
  return row?.taskId ?? null;
}

export async function assessmentOf(db: Db, taskId: string) {
  return (await db.select().from(leniencyAssessments).where(eq(leniencyAssessments.taskId, taskId)))[0];
}

/** A measure attached to an entity, with the measure, and whether it is in force at `at`. */
export interface PunishmentView {
  row: PunishmentRow;
  measure: MeasureRow;
  status: 'in-force' | 'expired' | 'repaired';
}

export const statusAt = (p: PunishmentRow, at: Date): PunishmentView['status'] => (p.repairedAt && p.repairedAt <= at ? 'repaired' : p.endsAt <= at ? 'expired' : 'in-force');

/** Every measure ever attached to the entity, newest first (the portrait). */
export async function punishmentsOf(db: Db, creditCode: string, at: Date): Promise<PunishmentView[]> {
  const rows = await db
    .select({ row: entityPunishments, measure: jointPunishmentMeasures })
    .from(entityPunishments)
    .innerJoin(jointPunishmentMeasures, eq(jointPunishmentMeasures.code, entityPunishments.measureCode))
    .where(eq(entityPunishments.creditCode, creditCode))
    .orderBy(desc(entityPunishments.id))
    .limit(200);
  return rows.map((r) => ({ ...r, status: statusAt(r.row, at) }));
}

export async function punishmentById(db: Db, id: number): Promise<PunishmentView | undefined> {
  const [r] = await db
    .select({ row: entityPunishments, measure: jointPunishmentMeasures })
    .from(entityPunishments)
    .innerJoin(jointPunishmentMeasures, eq(jointPunishmentMeasures.code, entityPunishments.measureCode))
    .where(eq(entityPunishments.id, id));
  return r && { ...r, status: statusAt(r.row, new Date()) };
}

/** In force at `at`: begun, not run out (its duration ends it with no manual step), not repaired. */
const inForce = (at: Date) => {
  const t = sql`${at.toISOString()}::timestamptz`;
  return and(sql`${entityPunishments.startsAt} <= ${t}`, sql`${entityPunishments.endsAt} > ${t}`, sql`(${entityPunishments.repairedAt} is null or ${entityPunishments.repairedAt} > ${t})`);
};

/**
 * The measures in force on an entity that bar 告知承诺 for cases of this approval department
 * (one of the measure's implementing departments): the routing takes the standard route.
 */
export async function commitmentRestrictions(db: Db, creditCode: string, departmentCode: string, at: Date) {
  return db
    .select({ id: entityPunishments.id, measureCode: jointPunishmentMeasures.code, name: jointPunishmentMeasures.name, decisionNo: entityPunishments.decisionNo, endsAt: entityPunishments.endsAt })
    .from(entityPunishments)
    .innerJoin(jointPunishmentMeasures, eq(jointPunishmentMeasures.code, entityPunishments.measureCode))
    .where(and(eq(entityPunishments.creditCode, creditCode), inForce(at), eq(jointPunishmentMeasures.restrictsCommitment, true), sql`${jointPunishmentMeasures.implementingDepartmentCodes} ? ${departmentCode}`))
    .orderBy(asc(entityPunishments.id));
}

/**
 * For a random-inspection draw (双随机): each entity's weight at `at` — the largest
 * `inspectionWeight` of the measures in force on it, 1 without any — and the measures weighing it.
 * Entities not named in the answer have weight 1.
 */
export async function inspectionWeights(db: Db, creditCodes: string[], at: Date): Promise<Map<string, { weight: number; measures: string[] }>> {
  const out = new Map<string, { weight: number; measures: string[] }>();
  if (creditCodes.length === 0) return out;
  const rows = await db
    .select({ creditCode: entityPunishments.creditCode, measureCode: jointPunishmentMeasures.code, weight: jointPunishmentMeasures.inspectionWeight })
    .from(entityPunishments)
    .innerJoin(jointPunishmentMeasures, eq(jointPunishmentMeasures.code, entityPunishments.measureCode))
    .where(and(inArray(entityPunishments.creditCode, creditCodes), inForce(at), gt(jointPunishmentMeasures.inspectionWeight, 1)));
  for (const r of rows) {
    const e = out.get(r.creditCode) ?? { weight: 1, measures: [] };
    out.set(r.creditCode, { weight: Math.max(e.weight, r.weight), measures: [...e.measures, r.measureCode] });
  }
  return out;
}

/** The decisions a caller may list: of its department (issued or implemented), its region's measures, or all (operator). */
export function listPunishments(db: Db, f: { creditCode?: string; departmentCode?: string; regionCode?: string }) {
  const where: SQL[] = [];
  if (f.creditCode) where.push(eq(entityPunishments.creditCode, f.creditCode));
  if (f.departmentCode) where.push(sql`(${jointPunishmentMeasures.departmentCode} = ${f.departmentCode} or ${jointPunishmentMeasures.implementingDepartmentCodes} ? ${f.departmentCode})`);
  if (f.regionCode) where.push(eq(jointPunishmentMeasures.regionCode, f.regionCode));
  return db
    .select({ row: entityPunishments, measure: jointPunishmentMeasures })
    .from(entityPunishments)
    .innerJoin(jointPunishmentMeasures, eq(jointPunishmentMeasures.code, entityPunishments.measureCode))
    .where(and(...where))
    .orderBy(desc(entityPunishments.id))
    .limit(500);
}

/** The entity's assessed non-compliances, newest first (the portrait). */
export function assessmentsOf(db: Db, creditCode: string) {
  // A rehearsal's tasks are not the enterprise's record (培训演练 apart).
  const live = sql`${leniencyAssessments.applicationNo} not in (select application_no from ${cases} where region_code in ${rehearsalRegions})`;
  return db.select().from(leniencyAssessments).where(and(eq(leniencyAssessments.creditCode, creditCode), live)).orderBy(desc(leniencyAssessments.assessedAt)).limit(200);
}
