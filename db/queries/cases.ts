// The API's reads of cases: one case, its audit trail, and the unrouted cases of an item.
import { and, asc, eq, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../client.js';
import { auditEvents, cases } from '../schema/index.js';

export type CaseRow = typeof cases.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;

/** Every case route and every submission reads it: prepared once per pool. */
const byNo = preparedPerDb((db) => db.select().from(cases).where(eq(cases.applicationNo, sql.placeholder('no'))).prepare('case_by_no'));

export async function caseByNo(db: Db, applicationNo: string): Promise<CaseRow | undefined> {
  return (await byNo(db).execute({ no: applicationNo }))[0];
}

/** A case's audit trail, oldest first: every step, actor and notification. */
export function caseEvents(db: Db, applicationNo: string): Promise<AuditEventRow[]> {
  return db.select().from(auditEvents).where(eq(auditEvents.applicationNo, applicationNo)).orderBy(asc(auditEvents.at), asc(auditEvents.id));
}

/** The workflow ids of the cases of an item that found no confirmed linkage yet. */
export async function unroutedCaseWorkflows(db: Db, itemCode: string): Promise<string[]> {
  const rows = await db.select({ workflowId: cases.workflowId }).from(cases).where(and(eq(cases.itemCode, itemCode), eq(cases.stage, 'unrouted')));
  return rows.map((r) => r.workflowId);
}
