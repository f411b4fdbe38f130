// Catalog writes: every change is logged (who, what, before, after), and every change of an
// approval item or its linkages makes a new version of the item with a routing snapshot.
import { eq, sql, type AnyColumn } from 'drizzle-orm';
import type { Db } from './client.js';
import { approvalItems, approvalItemVersions, catalogChanges, linkages, supervisionItemVersions, supervisionItems, type ItemSnapshot } from './schema/index.js';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Writer = Db | Tx;
export interface ChangeActor {
  sub: string;
  role: string;
  department?: string;
}

export type ApprovalItemRow = typeof approvalItems.$inferSelect;
export type ApprovalItemInput = Omit<typeof approvalItems.$inferInsert, 'version' | 'updatedAt'>;
export type SupervisionItemInput = Omit<typeof supervisionItems.$inferInsert, 'updatedAt'>;

export async function recordChange(
  tx: Writer,
  change: { entity: string; key: string; action: string; actor: ChangeActor; before?: unknown; after?: unknown },
): Promise<void> {
  await tx.insert(catalogChanges).values({
    entity: change.entity,
    entityKey: change.key,
    action: change.action,
    actor: change.actor,
    before: change.before ?? null,
    after: change.after ?? null,
  });
}

/**
 * The confirmed linkages that route an item now (those naming a division), as one JSON column
 * expression: `itemCode` is a value or a column of the statement it goes into.
 */
export function confirmedLinkagesColumn(itemCode: string | AnyColumn) {
  return sql<ItemSnapshot['linkages']>`(select coalesce(json_agg(json_build_object('departmentCode', ${linkages.supervisionDepartmentCode}, 'divisionCode', ${linkages.divisionCode}, 'supervisionItemCode', ${linkages.supervisionItemCode}) order by ${linkages.supervisionDepartmentCode}), '[]'::json) from ${linkages} where ${linkages.approvalItemCode} = ${itemCode} and ${linkages.status} = 'confirmed' and ${linkages.divisionCode} is not null)`;
}

/** The confirmed linkages that route an item now. */
export async function confirmedLinkages(tx: Writer, itemCode: string): Promise<ItemSnapshot['linkages']> {
  const [row] = await tx.execute<{ links: ItemSnapshot['linkages'] }>(sql`select ${confirmedLinkagesColumn(itemCode)} as links`);
  return row!.links;
}

/** Makes the item's next version (or its first), with a snapshot of what routes it. */
export async function newItemVersion(tx: Writer, itemCode: string, reason: string, actor: ChangeActor): Promise<number> {
  const [item] = await tx
    .update(approvalItems)
    .set({ version: sql`${approvalItems.version} + case when exists (select 1 from approval_item_versions v where v.item_code = ${itemCode}) then 1 else 0 end`, updatedAt: new Date() })
    .where(eq(approvalItems.code, itemCode))
    .returning();
  if (!item) throw new Error(`approval item ${itemCode} not found`);
  const { updatedAt: _u, ...fields } = item;
  await tx
    .insert(approvalItemVersions)
    .values({ itemCode, version: item.version, snapshot: { item: fields, linkages: await confirmedLinkages(tx, itemCode) }, reason, createdBy: actor.sub })
    .onConflictDoNothing();
  return item.version;
}

/** Creates or updates an approval item; either way a new version. Returns whether it was new. */
export async function upsertApprovalItem(tx: Tx, input: ApprovalItemInput, actor: ChangeActor): Promise<{ created: boolean; version: number }> {
  const [before] = await tx.select().from(approvalItems).where(eq(approvalItems.code, input.code));
  if (before) {
    await tx.update(approvalItems).set({ ...input, updatedAt: new Date() }).where(eq(approvalItems.code, input.code));
  } else {
    await tx.insert(approvalItems).values({ ...input, version: 1 });
  }
  const version = await newItemVersion(tx, input.code, before ? 'item updated' : 'item created', actor);
  await recordChange(tx, { entity: 'approval-item', key: input.code, action: before ? 'update' : 'create', actor, before: before ?? null, after: { ...input, version } });
  return { created: !before, version };
}

/** Creates or updates a supervision item; either way a new version (tasks pushed before keep theirs). */
export async function upsertSupervisionItem(tx: Tx, input: SupervisionItemInput, actor: ChangeActor): Promise<{ created: boolean; version: number }> {
  const [before] = await tx.select().from(supervisionItems).where(eq(supervisionItems.code, input.code));
  const version = before ? before.version + 1 : 1;
  const [row] = before
    ? await tx.update(supervisionItems).set({ ...input, version, updatedAt: new Date() }).where(eq(supervisionItems.code, input.code)).returning()
    : await tx.insert(supervisionItems).values({ ...input, version }).returning();
  await supervisionItemVersion(tx, row!, actor.sub);
  await recordChange(tx, { entity: 'supervision-item', key: input.code, action: before ? 'update' : 'create', actor, before: before ?? null, after: { ...input, version } });
  return { created: !before, version };
}

/** A supervision item's version row, as the item is now (once per version). */
export async function supervisionItemVersion(tx: Writer, item: typeof supervisionItems.$inferSelect, by: string): Promise<void> {
  const { updatedAt: _u, ...snapshot } = item;
  await tx.insert(supervisionItemVersions).values({ itemCode: item.code, version: item.version, snapshot, createdBy: by }).onConflictDoNothing();
}
