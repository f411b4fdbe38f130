// Organization: regions, departments (with their side) and divisions, read and written by the
// API. Every write goes with its change-log row, in one transaction.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { recordChange, type ChangeActor } from '../catalog.js';
import { departments, divisions, regions } from '../schema/index.js';

export type DepartmentRow = typeof departments.$inferSelect;
export type DivisionRow = typeof divisions.$inferSelect;
export type DepartmentInput = typeof departments.$inferInsert;
export type DivisionInput = typeof divisions.$inferInsert;

export async function regionExists(db: Db, code: string): Promise<boolean> {
  return (await db.select({ code: regions.code }).from(regions).where(eq(regions.code, code))).length > 0;
}

export async function departmentByCode(db: Db, code: string): Promise<DepartmentRow | undefined> {
  return (await db.select().from(departments).where(eq(departments.code, code)))[0];
}

export async function divisionByCode(db: Db, code: string): Promise<DivisionRow | undefined> {
  return (await db.select().from(divisions).where(eq(divisions.code, code)))[0];
}

/** Every approval department's code: each opens a space of application numbers. */
export async function approvalDepartmentCodes(db: Db): Promise<string[]> {
  return (await db.select({ code: departments.code }).from(departments).where(eq(departments.side, 'approval'))).map((d) => d.code);
}

export function listDepartments(db: Db) {
  return db.select({ code: departments.code, name: departments.name, regionCode: departments.regionCode, side: departments.side, headName: departments.headName }).from(departments).orderBy(asc(departments.code));
}

export function listDivisions(db: Db) {
  return db.select({ code: divisions.code, departmentCode: divisions.departmentCode, name: divisions.name, adminName: divisions.adminName }).from(divisions).orderBy(asc(divisions.code));
}

/** The codes of a region's departments. */
export async function departmentsOfRegion(db: Db, regionCode: string): Promise<string[]> {
  return (await db.select({ code: departments.code }).from(departments).where(eq(departments.regionCode, regionCode))).map((d) => d.code);
}

/** Creates or replaces a department; `before` is the row it replaces (read by the caller's checks). */
export async function saveDepartment(db: Db, values: DepartmentInput, before: DepartmentRow | undefined, actor: ChangeActor): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(departments).values(values).onConflictDoUpdate({ target: departments.code, set: values });
    await recordChange(tx, { entity: 'department', key: values.code, action: before ? 'update' : 'create', actor, before: before ?? null, after: values });
  });
}

/** Creates or replaces a division; `before` is the row it replaces (read by the caller's checks). */
export async function saveDivision(db: Db, values: DivisionInput, before: DivisionRow | undefined, actor: ChangeActor): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(divisions).values(values).onConflictDoUpdate({ target: divisions.code, set: values });
    await recordChange(tx, { entity: 'division', key: values.code, action: before ? 'update' : 'create', actor, before: before ?? null, after: values });
  });
}
