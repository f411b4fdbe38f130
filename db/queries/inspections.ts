// The 双随机 directories, plans and draws as the API reads and writes them. Every directory
// write goes with its change-log row (catalog_changes), in the caller's transaction.
import { and, asc, desc, eq, getTableColumns, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { Actor } from '../schema/audit.js';
import { recordChange, type ChangeActor, type Writer } from '../catalog.js';
import { auditEvents, cases, drawTargets, entityRiskGrades, inspectionDraws, inspectionPlans, inspectionResults, inspectorConflicts, inspectors, marketEntities } from '../schema/index.js';

export type MarketEntityRow = typeof marketEntities.$inferSelect;
export type RiskGradeRow = typeof entityRiskGrades.$inferSelect;
export type InspectorRow = typeof inspectors.$inferSelect;
export type PlanRow = typeof inspectionPlans.$inferSelect;
export type DrawRow = typeof inspectionDraws.$inferSelect;

export interface EntityInput {
  creditCode: string;
  name: string;
  regionCode: string;
  industry: string | null;
  registeredAddress: string | null;
  creditGrade: string;
  creditSource: string;
  creditAssessedOn: string;
  riskGrades: Array<{ scope: string; scopeCode: string; grade: string; source: string; assessedOn: string }>;
}

export async function entityByCode(db: Writer, creditCode: string): Promise<(MarketEntityRow & { riskGrades: RiskGradeRow[] }) | undefined> {
  const [e] = await db.select().from(marketEntities).where(eq(marketEntities.creditCode, creditCode));
  if (!e) return undefined;
  const riskGrades = await db.select().from(entityRiskGrades).where(eq(entityRiskGrades.creditCode, creditCode)).orderBy(asc(entityRiskGrades.scope), asc(entityRiskGrades.scopeCode));
  return { ...e, riskGrades };
}

/** Creates or replaces an entity whole (its risk grades with it). */
export async function saveEntity(tx: Writer, input: EntityInput, origin: 'import' | 'entry', actor: ChangeActor): Promise<{ created: boolean }> {
  const before = await entityByCode(tx, input.creditCode);
  const { riskGrades, ...fields } = input;
  const now = new Date();
  await tx
    .insert(marketEntities)
    .values({ ...fields, origin, updatedBy: actor.sub, updatedAt: now })
    .onConflictDoUpdate({ target: marketEntities.creditCode, set: { ...fields, origin, updatedBy: actor.sub, updatedAt: now } });
  await tx.delete(entityRiskGrades).where(eq(entityRiskGrades.creditCode, input.creditCode));
  if (riskGrades.length) await tx.insert(entityRiskGrades).values(riskGrades.map((r) => ({ ...r, creditCode: input.creditCode })));
  await recordChange(tx, { entity: 'market-entity', key: input.creditCode, action: before ? 'replace' : 'create', actor, before, after: input });
  return { created: !before };
}

/**
 * The applicants of the region's cases that the directory does not hold yet, added with the
 * credit grade of their pre-check (an entry already there is left as it is: an import or an
 * entry is the better source). Returns the credit codes added.
 */
export async function entitiesFromCases(db: Db, regionCode: string, actor: ChangeActor): Promise<string[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.execute<{ credit_code: string }>(sql`
      insert into market_entities (credit_code, name, region_code, credit_grade, credit_source, credit_assessed_on, origin, updated_by)
      select distinct on (c.applicant_credit_code) c.applicant_credit_code, c.applicant_name, c.region_code,
        coalesce(c.credit_result->>'grade', 'B'), 'credit pre-check of application ' || c.application_no,
        coalesce(((c.credit_result->>'checkedAt')::timestamptz at time zone 'Asia/Shanghai')::date, (c.created_at at time zone 'Asia/Shanghai')::date), 'case', ${actor.sub}
      from ${cases} c
      where c.region_code = ${regionCode}
      order by c.applicant_credit_code, c.created_at desc
      on conflict (credit_code) do nothing
      returning credit_code`);
    const added = rows.map((r) => r.credit_code);
    if (added.length) await recordChange(tx, { entity: 'market-entity', key: regionCode, action: 'from-cases', actor, after: { added } });
    return added;
  });
}

export async function listEntities(db: Db, f: { regionCode?: string; industry?: string; creditGrade?: string; limit: number; offset: number }) {
  const where = and(...([f.regionCode && eq(marketEntities.regionCode, f.regionCode), f.industry && eq(marketEntities.industry, f.industry), f.creditGrade && eq(marketEntities.creditGrade, f.creditGrade)].filter(Boolean) as SQL[]));
  const [items, [total]] = await Promise.all([
    db.select().from(marketEntities).where(where).orderBy(asc(marketEntities.creditCode)).limit(f.limit).offset(f.offset),
    db.select({ n: sql<number>`count(*)::int` }).from(marketEntities).where(where),
  ]);
  return { items, total: total!.n };
}

export async function inspectorById(db: Writer, id: string): Promise<InspectorRow | undefined> {
  return (await db.select().from(inspectors).where(eq(inspectors.id, id)))[0];
}

export async function inspectorByCertificate(db: Writer, certificateNo: string): Promise<InspectorRow | undefined> {
  return (await db.select().from(inspectors).where(eq(inspectors.certificateNo, certificateNo)))[0];
}

export type InspectorInput = Omit<typeof inspectors.$inferInsert, 'updatedAt' | 'updatedBy'>;

export async function saveInspector(tx: Writer, input: InspectorInput, actor: ChangeActor): Promise<{ created: boolean }> {
  const before = await inspectorById(tx, input.id);
  const now = new Date();
  await tx.insert(inspectors).values({ ...input, updatedBy: actor.sub, updatedAt: now }).onConflictDoUpdate({ target: inspectors.id, set: { ...input, updatedBy: actor.sub, updatedAt: now } });
  // The change log keeps who changed a roster entry, not the officer's name.
  const trail = (r: Partial<InspectorInput> | undefined) => r && { departmentCode: r.departmentCode, divisionCode: r.divisionCode, certificateValidFrom: r.certificateValidFrom, certificateValidUntil: r.certificateValidUntil, items: r.items, active: r.active };
  await recordChange(tx, { entity: 'inspector', key: input.id, action: before ? 'replace' : 'create', actor, before: trail(before), after: trail(input) });
  return { created: !before };
}

export function listInspectors(db: Db, departmentCodes: string[] | null) {
  return db.select().from(inspectors).where(departmentCodes ? inArray(inspectors.departmentCode, departmentCodes) : undefined).orderBy(asc(inspectors.id)).limit(2000);
}

export function conflictsOf(db: Db, inspectorId: string) {
  return db.select().from(inspectorConflicts).where(eq(inspectorConflicts.inspectorId, inspectorId)).orderBy(asc(inspectorConflicts.creditCode));
}

export async function planById(db: Db, planId: string): Promise<PlanRow | undefined> {
  return (await db.select().from(inspectionPlans).where(eq(inspectionPlans.planId, planId)))[0];
}

/** The plans a department takes part in (lead or joint), or those of a region, newest first. */
export function listPlans(db: Db, f: { departmentCode?: string; regionCode?: string }) {
  const where = and(f.departmentCode ? sql`${inspectionPlans.departments} @> ${JSON.stringify([f.departmentCode])}::jsonb` : undefined, f.regionCode ? eq(inspectionPlans.regionCode, f.regionCode) : undefined);
  return db.select().from(inspectionPlans).where(where).orderBy(desc(inspectionPlans.createdAt)).limit(200);
}

export async function drawById(db: Db, drawId: string): Promise<Omit<DrawRow, 'snapshot'> | undefined> {
  const { snapshot: _s, ...columns } = getTableColumns(inspectionDraws);
  return (await db.select(columns).from(inspectionDraws).where(eq(inspectionDraws.drawId, drawId)))[0];
}

export async function targetsOf(db: Db, drawId: string, page: { limit: number; offset: number }) {
  const [items, [total]] = await Promise.all([
    db.select().from(drawTargets).where(eq(drawTargets.drawId, drawId)).orderBy(asc(drawTargets.ordinal)).limit(page.limit).offset(page.offset),
    db.select({ n: sql<number>`count(*)::int` }).from(drawTargets).where(eq(drawTargets.drawId, drawId)),
  ]);
  return { items, total: total!.n };
}

/** The published results, newest publication first (一公开): never withdrawn ones. */
export async function publishedResults(db: Db, page: { limit: number; offset: number; regionCode?: string; creditCode?: string }) {
  const where = and(isNotNull(inspectionResults.publishedAt), isNull(inspectionResults.withdrawnAt), page.regionCode ? eq(inspectionResults.regionCode, page.regionCode) : undefined, page.creditCode ? eq(inspectionResults.creditCode, page.creditCode) : undefined);
  const [items, [total]] = await Promise.all([
    db
      .select({ id: inspectionResults.id, creditCode: inspectionResults.creditCode, name: marketEntities.name, items: inspectionResults.items, inspectedOn: inspectionResults.inspectedOn, result: inspectionResults.result, departmentCode: inspectionResults.departmentCode, regionCode: inspectionResults.regionCode, drawId: inspectionResults.drawId, publishedAt: inspectionResults.publishedAt })
      .from(inspectionResults)
      .leftJoin(marketEntities, eq(marketEntities.creditCode, inspectionResults.creditCode))
      .where(where)
      .orderBy(desc(inspectionResults.publishedAt), desc(inspectionResults.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ n: sql<number>`count(*)::int` }).from(inspectionResults).where(where),
  ]);
  return { items, total: total!.n };
}

export type ResultRow = typeof inspectionResults.$inferSelect;

/** A target's result and its step on the plan's trail, once (undefined: recorded already). */
export async function recordResult(db: Db, values: typeof inspectionResults.$inferInsert, summary: string): Promise<ResultRow | undefined> {
  return db.transaction(async (tx) => {
    const [r] = await tx.insert(inspectionResults).values(values).onConflictDoNothing().returning();
    if (!r) return undefined;
    await tx.insert(auditEvents).values({ eventKey: `plan:${r.drawId}:result:${r.creditCode}`, applicationNo: `plan:${r.drawId}`, kind: 'inspection-result', summary, actor: values.recordedBy, detail: { creditCode: r.creditCode, result: r.result, publishDueAt: r.publishDueAt.toISOString() }, at: values.recordedAt }).onConflictDoNothing();
    return r;
  });
}

/** Takes a result off the public feed with its reason, once (undefined: withdrawn already). */
export async function withdrawResult(db: Db, r: ResultRow, reason: string, actor: Actor): Promise<ResultRow | undefined> {
  const now = new Date();
  return db.transaction(async (tx) => {
    const [w] = await tx.update(inspectionResults).set({ withdrawnAt: now, withdrawalReason: reason, withdrawnBy: actor }).where(and(eq(inspectionResults.id, r.id), isNull(inspectionResults.withdrawnAt))).returning();
    if (w) await tx.insert(auditEvents).values({ eventKey: `plan:${r.drawId}:withdrawn:${r.creditCode}`, applicationNo: `plan:${r.drawId}`, kind: 'result-withdrawn', summary: `${r.creditCode}: result withdrawn from the public feed: ${reason}`, actor, detail: { id: r.id }, at: now });
    return w;
  });
}
