// Department notices (双告知, 联动告知), registrations and their two catalogs, as the API reads
// and writes them. Read scope is the caller's: see noticeScope.
import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { recordChange, type ChangeActor } from '../catalog.js';
import { auditEvents, departmentNotices, departments, powerDivisions, registrations, scopeMappings, type NoticeKind, type PowerLevel } from '../schema/index.js';

export type NoticeRow = typeof departmentNotices.$inferSelect;
export type RegistrationRow = typeof registrations.$inferSelect;
export type ScopeMappingRow = typeof scopeMappings.$inferSelect;
export type PowerDivisionRow = typeof powerDivisions.$inferSelect;

export async function noticeById(db: Db, noticeId: string): Promise<NoticeRow | undefined> {
  const [row] = await db.select().from(departmentNotices).where(eq(departmentNotices.noticeId, noticeId));
  return row;
}

export interface NoticeReader {
  role: string;
  department?: string;
  division?: string;
  region?: string;
}

/**
 * Whose notices a caller sees: the holder's (a division its own and its department's; the
 * department all of the department's), the raising department's, a department it passed through
 * (forwarded away), a regional admin's region (held there or raised there), an operator all.
 */
export function noticeScope(p: NoticeReader): SQL | undefined {
  if (p.role === 'operator') return undefined;
  if (p.role === 'regional-admin') {
    const ofRegion = sql`(select ${departments.code} from ${departments} where ${departments.regionCode} = ${p.region ?? ''})`;
    return or(eq(departmentNotices.regionCode, p.region ?? ''), sql`${departmentNotices.raisedByDepartment} in ${ofRegion}`);
  }
  const dept = p.department ?? '';
  const held = p.division ? and(eq(departmentNotices.departmentCode, dept), or(sql`${departmentNotices.divisionCode} is null`, eq(departmentNotices.divisionCode, p.division))) : eq(departmentNotices.departmentCode, dept);
  return or(held, eq(departmentNotices.raisedByDepartment, dept), sql`${departmentNotices.hops} @> ${JSON.stringify([{ from: dept }])}::jsonb`);
}

export function mayReadNotice(p: NoticeReader, n: NoticeRow): boolean {
  if (p.role === 'operator') return true;
  if (p.role === 'regional-admin') return n.regionCode === p.region;
  if (!p.department) return false;
  const held = n.departmentCode === p.department && (!p.division || !n.divisionCode || n.divisionCode === p.division);
  return held || n.raisedByDepartment === p.department || n.hops.some((h) => h.from === p.department);
}

export interface NoticeFilter {
  kind?: NoticeKind;
  status?: string;
  /** held: addressed to the caller; raised: raised by the caller's department. */
  side?: 'held' | 'raised';
}

export async function listNotices(db: Db, p: NoticeReader, f: NoticeFilter, page: { limit: number; offset: number }): Promise<{ rows: NoticeRow[]; total: number }> {
  const where: SQL[] = [];
  const scope = noticeScope(p);
  if (scope) where.push(scope);
  if (f.kind) where.push(eq(departmentNotices.kind, f.kind));
  if (f.status) where.push(eq(departmentNotices.status, f.status));
  if (f.side === 'held') where.push(eq(departmentNotices.departmentCode, p.department ?? ''));
  if (f.side === 'raised') where.push(eq(departmentNotices.raisedByDepartment, p.department ?? ''));
  const cond = and(...where);
  const [rows, [count]] = await Promise.all([
    db.select().from(departmentNotices).where(cond).orderBy(asc(departmentNotices.dueAt), asc(departmentNotices.noticeId)).limit(page.limit).offset(page.offset),
    db.select({ n: sql<number>`count(*)::int` }).from(departmentNotices).where(cond),
  ]);
  return { rows, total: count?.n ?? 0 };
}

export function noticeEvents(db: Db, noticeId: string) {
  return db.select().from(auditEvents).where(eq(auditEvents.applicationNo, noticeId)).orderBy(asc(auditEvents.id));
}

export async function registrationById(db: Db, id: string): Promise<RegistrationRow | undefined> {
  const [row] = await db.select().from(registrations).where(eq(registrations.registrationId, id));
  return row;
}

export function noticesOfRegistration(db: Db, id: string): Promise<NoticeRow[]> {
  return db.select().from(departmentNotices).where(eq(departmentNotices.registrationId, id)).orderBy(asc(departmentNotices.noticeId));
}

/** The mappings of a region whose term the business scope names (经营范围 contains the term). */
export async function mappingsForScope(db: Db, regionCode: string, scope: string): Promise<ScopeMappingRow[]> {
  return db.select().from(scopeMappings).where(and(eq(scopeMappings.regionCode, regionCode), sql`strpos(${scope}, ${scopeMappings.term}) > 0`)).orderBy(asc(scopeMappings.approvalItemCode), asc(scopeMappings.term));
}

export function listScopeMappings(db: Db, regionCode?: string) {
  return db.select().from(scopeMappings).where(regionCode ? eq(scopeMappings.regionCode, regionCode) : undefined).orderBy(asc(scopeMappings.regionCode), asc(scopeMappings.term), asc(scopeMappings.approvalItemCode));
}

export function listPowerDivisions(db: Db, regionCode?: string) {
  return db.select().from(powerDivisions).where(regionCode ? eq(powerDivisions.regionCode, regionCode) : undefined).orderBy(asc(powerDivisions.regionCode), asc(powerDivisions.approvalItemCode));
}

/** 市县分工 for an item: the entry of the first of `areas` (most specific first) that has one. */
export async function powerHolderIn(db: Db, itemCode: string, areas: string[]): Promise<PowerDivisionRow | undefined> {
  const rows = await db.select().from(powerDivisions).where(and(eq(powerDivisions.approvalItemCode, itemCode), inArray(powerDivisions.regionCode, areas)));
  return rows.sort((a, b) => areas.indexOf(a.regionCode) - areas.indexOf(b.regionCode))[0];
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** One mapping written: new, or a new version of the same (region, term, item) with its note. */
export async function saveScopeMapping(tx: Tx, m: { regionCode: string; term: string; approvalItemCode: string; note?: string | null }, actor: ChangeActor): Promise<{ id: number; version: number; created: boolean }> {
  const [before] = await tx.select().from(scopeMappings).where(and(eq(scopeMappings.regionCode, m.regionCode), eq(scopeMappings.term, m.term), eq(scopeMappings.approvalItemCode, m.approvalItemCode)));
  const [row] = await tx
    .insert(scopeMappings)
    .values({ ...m, note: m.note ?? null, updatedBy: actor.sub })
    .onConflictDoUpdate({ target: [scopeMappings.regionCode, scopeMappings.term, scopeMappings.approvalItemCode], set: { note: m.note ?? null, version: sql`${scopeMappings.version} + 1`, updatedBy: actor.sub, updatedAt: new Date() } })
    .returning();
  await recordChange(tx, { entity: 'scope-mapping', key: `${m.regionCode}:${m.term}:${m.approvalItemCode}`, action: before ? 'updated' : 'created', actor, before, after: row });
  return { id: row!.id, version: row!.version, created: !before };
}

/** One division-of-powers entry written: one per area and item, a change a new version. */
export async function savePowerDivision(
  tx: Tx,
  e: { regionCode: string; approvalItemCode: string; level: PowerLevel; holderDepartmentCode: string; holderItemCode?: string | null; legalBasis?: string | null },
  actor: ChangeActor,
): Promise<{ id: number; version: number; created: boolean }> {
  const [before] = await tx.select().from(powerDivisions).where(and(eq(powerDivisions.regionCode, e.regionCode), eq(powerDivisions.approvalItemCode, e.approvalItemCode)));
  const values = { ...e, holderItemCode: e.holderItemCode ?? null, legalBasis: e.legalBasis ?? null, updatedBy: actor.sub };
  const [row] = await tx
    .insert(powerDivisions)
    .values(values)
    .onConflictDoUpdate({ target: [powerDivisions.regionCode, powerDivisions.approvalItemCode], set: { level: e.level, holderDepartmentCode: e.holderDepartmentCode, holderItemCode: values.holderItemCode, legalBasis: values.legalBasis, version: sql`${powerDivisions.version} + 1`, updatedBy: actor.sub, updatedAt: new Date() } })
    .returning();
  await recordChange(tx, { entity: 'power-division', key: `${e.regionCode}:${e.approvalItemCode}`, action: before ? 'updated' : 'created', actor, before, after: row });
  return { id: row!.id, version: row!.version, created: !before };
}

export async function deleteCatalogEntry(tx: Tx, table: typeof scopeMappings | typeof powerDivisions, entity: string, id: number, actor: ChangeActor): Promise<boolean> {
  const [gone] = await tx.delete(table).where(eq(table.id, id)).returning();
  if (!gone) return false;
  await recordChange(tx, { entity, key: String(id), action: 'deleted', actor, before: gone });
  return true;
}

export async function scopeMappingById(db: Db, id: number) {
  const [row] = await db.select().from(scopeMappings).where(eq(scopeMappings.id, id));
  return row;
}

export async function powerDivisionById(db: Db, id: number) {
  const [row] = await db.select().from(powerDivisions).where(eq(powerDivisions.id, id));
  return row;
}
