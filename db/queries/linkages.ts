// The linkage catalog (审管联动事项关联) and its lifecycle: propose → confirm, dispute → settle.
// Each transition is one transaction: the row, its change-log entry, and a new version of the
// item when what routes live work changes.
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { ConcurrentChange, type Db } from '../client.js';
import { newItemVersion, recordChange, type ChangeActor } from '../catalog.js';
import { linkages } from '../schema/index.js';

export type LinkageRow = typeof linkages.$inferSelect;
export type LinkageStatus = LinkageRow['status'];

export async function listLinkages(db: Db, f: { approvalItemCode?: string; departmentCode?: string; status?: LinkageStatus }): Promise<LinkageRow[]> {
  const where: SQL[] = [];
  if (f.approvalItemCode) where.push(eq(linkages.approvalItemCode, f.approvalItemCode));
  if (f.departmentCode) where.push(eq(linkages.supervisionDepartmentCode, f.departmentCode));
  if (f.status) where.push(eq(linkages.status, f.status));
  return db.select().from(linkages).where(and(...where)).orderBy(asc(linkages.id));
}

export async function linkageById(db: Db, id: number): Promise<LinkageRow | undefined> {
  return (await db.select().from(linkages).where(eq(linkages.id, id)))[0];
}

/** The linkage of an item to a supervising department, if there is one. */
export async function linkageBetween(db: Db, approvalItemCode: string, departmentCode: string): Promise<LinkageRow | undefined> {
  return (await db.select().from(linkages).where(and(eq(linkages.approvalItemCode, approvalItemCode), eq(linkages.supervisionDepartmentCode, departmentCode))))[0];
}

export async function proposeLinkage(db: Db, approvalItemCode: string, supervisionDepartmentCode: string, actor: ChangeActor): Promise<LinkageRow> {
  return db.transaction(async (tx) => {
    const [l] = await tx.insert(linkages).values({ approvalItemCode, supervisionDepartmentCode, status: 'proposed', proposedBy: actor.sub }).returning();
    await recordChange(tx, { entity: 'linkage', key: String(l!.id), action: 'propose', actor, after: l });
    return l!;
  });
}

/**
 * Moves a linkage on: sets `set`, logs the change as `action`, and makes a new version of the
 * item when `newVersion` names why (a change of what routes live work). Only from the status
 * the caller read: a confirm and a dispute of the same proposal at once cannot both stand
 * (ConcurrentChange, 409, for the one that lost).
 */
export async function changeLinkage(db: Db, before: LinkageRow, change: { set: Partial<LinkageRow>; action: string; actor: ChangeActor; newVersion?: (after: LinkageRow) => string | undefined }): Promise<LinkageRow> {
  return db.transaction(async (tx) => {
    const [after] = await tx
      .update(linkages)
      .set({ ...change.set, updatedAt: new Date() })
      .where(and(eq(linkages.id, before.id), eq(linkages.status, before.status)))
      .returning();
    if (!after) throw new ConcurrentChange(`linkage ${before.id} is no longer ${before.status}: it was changed meanwhile; read it again`);
    await recordChange(tx, { entity: 'linkage', key: String(before.id), action: change.action, actor: change.actor, before, after });
    const reason = change.newVersion?.(after!);
    if (reason) await newItemVersion(tx, before.approvalItemCode, reason, change.actor);
    return after!;
  });
}
