// 委派 (docs/delegation.md): what the API reads to check a delegation — the officers named, their
// conflicts with the task's entity, the supervision item's method — and the delegation in force.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { inspectorConflicts, inspectors, supervisionItems, taskDelegations } from '../schema/index.js';

export type DelegationRow = typeof taskDelegations.$inferSelect;

/** The officers named (those in the directory), and which of them are recused (回避) from the entity. */
export async function officersNamed(db: Db, ids: string[], creditCode: string) {
  const [rows, conflicts] = await Promise.all([
    db.select().from(inspectors).where(inArray(inspectors.id, ids)),
    db.select({ inspectorId: inspectorConflicts.inspectorId }).from(inspectorConflicts).where(and(inArray(inspectorConflicts.inspectorId, ids), eq(inspectorConflicts.creditCode, creditCode))),
  ]);
  return { rows, recused: new Set(conflicts.map((c) => c.inspectorId)) };
}

export async function inspectionMethodOf(db: Db, itemCode: string | null): Promise<string | null> {
  if (!itemCode) return null;
  const [row] = await db.select({ method: supervisionItems.inspectionMethod }).from(supervisionItems).where(eq(supervisionItems.code, itemCode));
  return row?.method ?? null;
}

/** The delegation in force (the latest), with the officers' names for the reader to see or not. */
export async function delegationOf(db: Db, taskId: string) {
  const [row] = await db.select().from(taskDelegations).where(eq(taskDelegations.taskId, taskId)).orderBy(desc(taskDelegations.seq)).limit(1);
  if (!row) return null;
  const officers = await db.select({ id: inspectors.id, name: inspectors.name, departmentCode: inspectors.departmentCode }).from(inspectors).where(inArray(inspectors.id, row.inspectorIds));
  return { row, officers };
}
