// The draw's effects (workflows/inspectionDraw.ts): the population snapshot a committed plan is
// drawn from, the draw itself (activities/draw/algorithm.ts) and its verification. Each is keyed
// by the plan (its draw's id is the plan's): a retried snapshot keeps the first, a retried draw
// writes its targets once, and every step goes on the plan's trail (`plan:<planId>`).
import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { drawTargets, inspectionDraws, inspectionPlans, inspectorConflicts, inspectors } from '../../db/schema/index.js';
import { FailureType, SYSTEM_ACTOR, type Actor, type InspectionDrawInput, type PlanCommit } from '../../workflows/contracts.js';
import { UNASSESSED_RISK } from '../../workflows/domain/inspection-policy.js';
import { recordStep } from '../steps.js';
import type { Ctx } from '../context.js';
import { draw, verifyDraw, type Verification } from './algorithm.js';
import { sha256hex } from './prng.js';
import { parseSnapshot, snapshotText } from './snapshot.js';
import { ALGORITHM, contentHashOf, deriveSeed, type CreditGrade, type PlanContent, type PopulationEntry, type RiskGrade } from './terms.js';

export const planTrail = (planId: string) => `plan:${planId}`;
const permanent = (message: string) => ApplicationFailure.create({ type: FailureType.InvalidState, message, nonRetryable: true });

export type PlanRow = typeof inspectionPlans.$inferSelect;

/** The fields of a plan row the draw commits to. */
export function planContent(p: Pick<PlanRow, 'planId' | 'regionCode' | 'departments' | 'items' | 'itemsPerTarget' | 'filter' | 'shares' | 'inspectorsPerTarget' | 'periodStart' | 'periodEnd' | 'publicationDays'>): PlanContent {
  return { planId: p.planId, regionCode: p.regionCode, departments: p.departments, items: p.items, itemsPerTarget: p.itemsPerTarget, filter: p.filter, shares: p.shares, inspectorsPerTarget: p.inspectorsPerTarget, periodStart: p.periodStart, periodEnd: p.periodEnd, publicationDays: p.publicationDays };
}

const RISK_RANK = sql`case grade when 'high' then 3 when 'medium' then 2 when 'low' then 1 end`;
const RISK_OF_RANK: Record<number, RiskGrade> = { 1: 'low', 2: 'medium', 3: 'high' };

/**
 * The population a plan is drawn from, in credit-code order: the entities of its region that
 * pass its filter, each with its credit grade and the risk grade that applies — the highest of
 * its grades for the plan's items, else its grade for its industry, else unassessed (medium).
 * An entity under a joint punishment (联合惩戒) in force at `at` whose measure weighs the draw
 * (`inspectionWeight` > 1: 列为重点监管对象) is drawn as credit grade D, the class inspected most
 * (docs/random-inspections.md); the snapshot records the grade it was drawn under.
 */
export async function readPopulation(db: Db, plan: PlanContent, at = new Date()): Promise<PopulationEntry[]> {
  const items = plan.items;
  const industries = plan.filter.industries?.length ? sql`and e.industry in ${plan.filter.industries}` : sql``;
  const t = sql`${at.toISOString()}::timestamptz`;
  const grade = sql`case when pj.punished then 'D' else e.credit_grade end`;
  const grades = plan.filter.creditGrades?.length ? sql`and ${grade} in ${plan.filter.creditGrades}` : sql``;
  const rows = await db.execute<{ c: string; g: string; r: number | null }>(sql`
    select e.credit_code as c, ${grade} as g,
      coalesce(
        (select max(${RISK_RANK}) from entity_risk_grades r where r.credit_code = e.credit_code and r.scope = 'item' and r.scope_code in ${items}),
        (select max(${RISK_RANK}) from entity_risk_grades r where r.credit_code = e.credit_code and r.scope = 'industry' and r.scope_code = e.industry)
      ) as r
    from market_entities e
    cross join lateral (
      select exists (
        select 1 from entity_punishments p join joint_punishment_measures m on m.code = p.measure_code
        where p.credit_code = e.credit_code and m.inspection_weight > 1
          and p.starts_at <= ${t} and p.ends_at > ${t} and (p.repaired_at is null or p.repaired_at > ${t})
      ) as punished
    ) pj
    where e.region_code = ${plan.regionCode} ${industries} ${grades}
    order by e.credit_code collate "C"`);
  const unassessed = UNASSESSED_RISK as RiskGrade;
  return rows.map((x) => ({ creditCode: x.c, creditGrade: x.g as CreditGrade, riskGrade: x.r ? RISK_OF_RANK[x.r]! : unassessed }));
}

/** The roster of the plan's departments (active officers; the draw checks certificates) and their conflicts. */
async function readRoster(db: Db, plan: PlanContent) {
  const roster = await db
    .select({ id: inspectors.id, validFrom: inspectors.certificateValidFrom, validUntil: inspectors.certificateValidUntil, items: inspectors.items })
    .from(inspectors)
    .where(and(inArray(inspectors.departmentCode, plan.departments), eq(inspectors.active, true)));
  const ids = roster.map((r) => r.id);
  const conflicts = ids.length ? await db.select({ inspectorId: inspectorConflicts.inspectorId, creditCode: inspectorConflicts.creditCode }).from(inspectorConflicts).where(inArray(inspectorConflicts.inspectorId, ids)) : [];
  return { roster, conflicts };
}

async function committedPlan(db: Db, planId: string): Promise<PlanRow & { seed: string }> {
  const [plan] = await db.select().from(inspectionPlans).where(eq(inspectionPlans.planId, planId));
  if (!plan) throw permanent(`plan ${planId} not found`);
  if (!plan.seed || plan.status === 'draft') throw permanent(`plan ${planId} is not committed: its seed is fixed at commit`);
  return plan as PlanRow & { seed: string };
}

/**
 * Fixes the plan's content hash and seed, once: a plan already committed answers what its
 * commit fixed (a retry, or a second caller — the API refuses one with another beacon).
 */
async function commitPlan(ctx: Ctx, input: InspectionDrawInput): Promise<PlanCommit> {
  const at = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const [plan] = await tx.select().from(inspectionPlans).where(eq(inspectionPlans.planId, input.planId)).for('update');
    if (!plan) throw permanent(`plan ${input.planId} not found`);
    if (plan.seed) return { planId: plan.planId, contentHash: plan.contentHash!, seed: plan.seed, beacon: plan.beacon! };
    const contentHash = contentHashOf(planContent(plan));
    const seed = deriveSeed(contentHash, input.beacon);
    await tx.update(inspectionPlans).set({ status: 'committed', contentHash, seed, beacon: input.beacon, beaconSource: input.beaconSource, committedAt: at, committedBy: input.actor, updatedAt: at }).where(eq(inspectionPlans.planId, plan.planId));
    await recordStep(tx, { key: `${planTrail(plan.planId)}:committed`, applicationNo: planTrail(plan.planId), kind: 'plan-committed', summary: `plan committed: content sha-256 ${contentHash}; beacon "${input.beacon}" (${input.beaconSource}); seed ${seed}`, actor: input.actor, detail: { contentHash, seed, beacon: input.beacon, beaconSource: input.beaconSource } }, at);
    return { planId: plan.planId, contentHash, seed, beacon: input.beacon };
  });
}

export interface SnapshotTaken {
  drawId: string;
  populationSize: number;
  snapshotHash: string;
}

/** Reads the population, the roster and the conflicts once and keeps them as the draw's snapshot document. */
async function snapshotDraw(ctx: Ctx, input: { planId: string }): Promise<SnapshotTaken> {
  const [kept] = await ctx.db.select({ drawId: inspectionDraws.drawId, populationSize: inspectionDraws.populationSize, snapshotHash: inspectionDraws.snapshotHash }).from(inspectionDraws).where(eq(inspectionDraws.planId, input.planId));
  if (kept) return kept;
  const plan = await committedPlan(ctx.db, input.planId);
  const content = planContent(plan);
  const population = await readPopulation(ctx.db, content, ctx.clock());
  const { roster, conflicts } = await readRoster(ctx.db, content);
  const text = snapshotText({ seed: plan.seed, plan: content, population, inspectors: roster, conflicts });
  const snapshotHash = sha256hex(text);
  const at = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(inspectionDraws)
      .values({ drawId: plan.planId, planId: plan.planId, algorithm: ALGORITHM, seed: plan.seed, snapshot: text, snapshotHash, populationSize: population.length, status: 'snapshotted', snapshotAt: at })
      .onConflictDoNothing()
      .returning({ id: inspectionDraws.drawId });
    if (inserted.length === 0) return;
    await recordStep(tx, { key: `${planTrail(plan.planId)}:snapshot`, applicationNo: planTrail(plan.planId), kind: 'draw-snapshot', summary: `population of ${population.length} entities, ${roster.length} inspectors and ${conflicts.length} conflicts recorded (sha-256 ${snapshotHash})`, detail: { snapshotHash, populationSize: population.length, seed: plan.seed } }, at);
  });
  const [row] = await ctx.db.select({ drawId: inspectionDraws.drawId, populationSize: inspectionDraws.populationSize, snapshotHash: inspectionDraws.snapshotHash }).from(inspectionDraws).where(eq(inspectionDraws.planId, input.planId));
  return row!;
}

export interface DrawDone {
  drawId: string;
  targets: number;
  unstaffed: number;
  resultHash: string;
}

const TARGET_BATCH = 20_000;

/** Draws from the kept snapshot (never from the live directory) and writes the targets, once. */
async function runDraw(ctx: Ctx, input: { drawId: string }): Promise<DrawDone> {
  const [d] = await ctx.db.select().from(inspectionDraws).where(eq(inspectionDraws.drawId, input.drawId));
  if (!d) throw permanent(`draw ${input.drawId} not found`);
  if (d.status === 'drawn') return { drawId: d.drawId, targets: await targetCount(ctx.db, d.drawId), unstaffed: d.unstaffed?.length ?? 0, resultHash: d.resultHash! };
  if (sha256hex(d.snapshot) !== d.snapshotHash) throw permanent(`draw ${d.drawId}: the snapshot does not match its recorded hash`);
  const result = draw(parseSnapshot(d.snapshot));
  const at = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const claimed = await tx.update(inspectionDraws).set({ status: 'drawn', resultHash: result.resultHash, classes: result.classes, unstaffed: result.unstaffed, drawnAt: at }).where(and(eq(inspectionDraws.drawId, d.drawId), eq(inspectionDraws.status, 'snapshotted'))).returning({ id: inspectionDraws.drawId });
    if (claimed.length === 0) return; // a concurrent attempt drew it
    // One JSON parameter per batch, unpacked by PostgreSQL: a 100,000-target draw is five
    // statements, not fifty statements of 14,000 parameters each (bench:draw).
    for (let i = 0; i < result.targets.length; i += TARGET_BATCH) {
      const batch = JSON.stringify(result.targets.slice(i, i + TARGET_BATCH));
      await tx.execute(sql`
        insert into ${drawTargets} (draw_id, credit_code, ordinal, credit_grade, risk_grade, items, inspector_ids)
        select ${d.drawId}, t."creditCode", t.ordinal, t."creditGrade", t."riskGrade", t.items, t."inspectorIds"
        from jsonb_to_recordset(${batch}::jsonb) as t("creditCode" text, ordinal int, "creditGrade" text, "riskGrade" text, items jsonb, "inspectorIds" jsonb)`);
    }
    await tx.update(inspectionPlans).set({ status: 'drawn', updatedAt: at }).where(eq(inspectionPlans.planId, d.planId));
    const byClass = result.classes.filter((c) => c.drawn > 0).map((c) => `${c.creditGrade}/${c.riskGrade} ${c.drawn} of ${c.population}`).join(', ');
    await recordStep(tx, { key: `${planTrail(d.planId)}:drawn`, applicationNo: planTrail(d.planId), kind: 'draw-drawn', summary: `${result.targets.length} targets drawn (${byClass || 'none'})${result.unstaffed.length ? `; ${result.unstaffed.length} without two eligible inspectors` : ''}; result sha-256 ${result.resultHash}`, detail: { resultHash: result.resultHash, classes: result.classes, unstaffed: result.unstaffed } }, at);
  });
  return { drawId: d.drawId, targets: result.targets.length, unstaffed: result.unstaffed.length, resultHash: result.resultHash };
}

async function targetCount(db: Db, drawId: string): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(drawTargets).where(eq(drawTargets.drawId, drawId));
  return r!.n;
}

export interface VerifyDrawInput {
  drawId: string;
  actor?: Actor;
  /** This verification's own id (the verify workflow's), for its step on the trail. */
  verificationId: string;
}

/** Re-runs a recorded draw from its snapshot and seed, and records the outcome on the plan's trail. */
async function verifyRecordedDraw(ctx: Ctx, input: VerifyDrawInput): Promise<Verification> {
  const [d] = await ctx.db.select().from(inspectionDraws).where(eq(inspectionDraws.drawId, input.drawId));
  if (!d) throw permanent(`draw ${input.drawId} not found`);
  const v = verifyDraw(d);
  const at = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await tx.update(inspectionDraws).set({ lastVerifiedAt: at, lastVerified: v.verified }).where(eq(inspectionDraws.drawId, d.drawId));
    const summary = v.verified ? `re-run from the recorded seed and snapshot: same result (sha-256 ${v.resultHash})` : `verification FAILED: ${v.problems.join('; ')}`;
    await recordStep(tx, { key: `${planTrail(d.planId)}:verified:${input.verificationId}`, applicationNo: planTrail(d.planId), kind: v.verified ? 'draw-verified' : 'draw-verification-failed', summary, actor: input.actor ?? SYSTEM_ACTOR, detail: { ...v } }, at);
  });
  return v;
}

export const drawing = { commitPlan, snapshotDraw, runDraw, verifyRecordedDraw };
