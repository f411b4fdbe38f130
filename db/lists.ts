// Writes of the two per-region lists — the inclusive list (包容免罚) and the joint-punishment
// measures (联合惩戒) — as the item catalogs are written (db/catalog.ts): every change makes a new
// version with a snapshot, and the change log says who changed what, from what, to what. An
// entry withdrawn (repealed) stays, so the assessments and decisions that name it still read it.
import { eq } from 'drizzle-orm';
import { jointPunishmentMeasures, leniencyEntries, listEntryVersions } from './schema/index.js';
import { recordChange, type ChangeActor, type Tx } from './catalog.js';

export type ListCatalog = 'leniency' | 'joint-punishment';
export type LeniencyEntryInput = Omit<typeof leniencyEntries.$inferInsert, 'version' | 'updatedAt' | 'repealedAt'>;
export type MeasureInput = Omit<typeof jointPunishmentMeasures.$inferInsert, 'version' | 'updatedAt' | 'repealedAt'>;

// Both tables share code, version, repealedAt and updatedAt: one code path writes either.
type ListTable = typeof leniencyEntries;
const tableOf = (catalog: ListCatalog): ListTable => (catalog === 'leniency' ? leniencyEntries : (jointPunishmentMeasures as unknown as ListTable));
const entityOf = (catalog: ListCatalog) => `${catalog}-entry`;

async function snapshot(tx: Tx, catalog: ListCatalog, row: { code: string; version: number; updatedAt: Date }, actor: ChangeActor): Promise<void> {
  const { updatedAt: _u, ...fields } = row;
  await tx.insert(listEntryVersions).values({ catalog, code: row.code, version: row.version, snapshot: fields, createdBy: actor.sub }).onConflictDoNothing();
}

/** Creates or replaces an entry whole (a repealed one is in force again); either way a new version. */
export async function upsertListEntry(tx: Tx, catalog: ListCatalog, input: LeniencyEntryInput | MeasureInput, actor: ChangeActor): Promise<{ created: boolean; version: number }> {
  const table = tableOf(catalog);
  const [before] = await tx.select().from(table).where(eq(table.code, input.code));
  const version = before ? before.version + 1 : 1;
  const values = { ...input, version, repealedAt: null, updatedAt: new Date() } as typeof table.$inferInsert;
  const [row] = before ? await tx.update(table).set(values).where(eq(table.code, input.code)).returning() : await tx.insert(table).values(values).returning();
  await snapshot(tx, catalog, row!, actor);
  await recordChange(tx, { entity: entityOf(catalog), key: input.code, action: before ? 'update' : 'create', actor, before: before ?? null, after: { ...input, version } });
  return { created: !before, version };
}

/** Withdraws an entry from its list: a new version, repealed; null when it is not in force. */
export async function repealListEntry(tx: Tx, catalog: ListCatalog, code: string, actor: ChangeActor, at: Date): Promise<{ version: number } | null> {
  const table = tableOf(catalog);
  const [before] = await tx.select().from(table).where(eq(table.code, code));
  if (!before || before.repealedAt) return null;
  const [row] = await tx.update(table).set({ version: before.version + 1, repealedAt: at, updatedAt: at }).where(eq(table.code, code)).returning();
  await snapshot(tx, catalog, row!, actor);
  await recordChange(tx, { entity: entityOf(catalog), key: code, action: 'repeal', actor, before, after: { version: row!.version, repealedAt: at.toISOString() } });
  return { version: row!.version };
}
