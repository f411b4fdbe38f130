// Object-level authorization in one place (OWASP API1): who may see or act on a case or a task.
import { eq, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../db/client.js';
import { cases, tasks } from '../db/schema/index.js';
import type { Principal } from './auth.js';
import { forbidden, notFound } from './errors.js';

export type CaseRow = typeof cases.$inferSelect;
export type TaskRow = typeof tasks.$inferSelect;

/** The two lookups every case and task route makes, built once per pool and prepared. */
const lookup = preparedPerDb((db) => ({
  caseByNo: db.select().from(cases).where(eq(cases.applicationNo, sql.placeholder('no'))).prepare('case_by_no'),
  taskById: db.select().from(tasks).where(eq(tasks.taskId, sql.placeholder('id'))).prepare('task_by_id'),
}));
export const readCase = async (db: Db, applicationNo: string): Promise<CaseRow | undefined> => (await lookup(db).caseByNo.execute({ no: applicationNo }))[0];
const readTask = async (db: Db, taskId: string): Promise<TaskRow | undefined> => (await lookup(db).taskById.execute({ id: taskId }))[0];

/** Reads a case the caller may see: its approval department, an operator, or a supervising department of it. */
export async function caseForReader(db: Db, p: Principal, applicationNo: string): Promise<CaseRow> {
  const row = await readCase(db, applicationNo);
  if (!row) throw notFound(`application ${applicationNo}`);
  if (p.role === 'operator') return row;
  if (p.role === 'approval' && p.department === row.approvalDepartmentCode) return row;
  if (p.role === 'supervision' && p.department) {
    // A division reads the cases it supervises; a department head (no division) the department's.
    const linked = await db.select({ d: tasks.departmentCode, v: tasks.divisionCode }).from(tasks).where(eq(tasks.applicationNo, applicationNo));
    if (linked.some((t) => t.d === p.department && (!p.division || t.v === p.division))) return row;
  }
  throw forbidden(`application ${applicationNo} is not a case of yours`);
}

/** A case the caller's approval department may act on. */
export async function caseForApprover(db: Db, p: Principal, applicationNo: string): Promise<CaseRow> {
  const row = await readCase(db, applicationNo);
  if (!row) throw notFound(`application ${applicationNo}`);
  if (p.role !== 'approval' || p.department !== row.approvalDepartmentCode) {
    throw forbidden(`application ${applicationNo} belongs to approval department ${row.approvalDepartmentCode}`);
  }
  return row;
}

/** A task the caller may read: its division, its department's head (no division claim), or an operator. */
export async function taskForReader(db: Db, p: Principal, taskId: string): Promise<TaskRow> {
  const row = await readTask(db, taskId);
  if (!row) throw notFound(`task ${taskId}`);
  if (p.role === 'operator') return row;
  if (p.role === 'supervision' && p.department === row.departmentCode && (!p.division || p.division === row.divisionCode)) return row;
  throw forbidden(`task ${taskId} belongs to division ${row.divisionCode} of ${row.departmentCode}`);
}

/** A task the caller's division may act on (claim, inspection, feedback). */
export async function taskForDivision(db: Db, p: Principal, taskId: string): Promise<TaskRow> {
  const row = await readTask(db, taskId);
  if (!row) throw notFound(`task ${taskId}`);
  if (p.role !== 'supervision' || p.department !== row.departmentCode || p.division !== row.divisionCode) {
    throw forbidden(`only division ${row.divisionCode} of ${row.departmentCode} acts on task ${taskId}`);
  }
  return row;
}
