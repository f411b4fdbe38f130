// 包容免罚 (seed 001): a non-compliance is assessed against the region's inclusive list when it is
// fed back, and the penalty decided when the task closes. The product establishes what it can
// from the record — the entry covering the task's item, a first offence of the entity (its
// earlier non-compliance on the trail, never the caller's word), the correction in time (the
// first rectification round rectified) — and the inspector attests what only an inspection can
// see: the offence is minor and did no harm. Both steps are on the task's trail.
import { eq } from 'drizzle-orm';
import type { Writer } from '../../db/catalog.js';
import { leniencyAssessments, type LeniencyCondition } from '../../db/schema/index.js';
import { entriesCovering, entryMisfit, earlierOffence, leniencyEntryByCode, taskFacts, type LeniencyEntryRow } from '../../db/queries/leniency.js';
import type { Db } from '../../db/client.js';
import type { Actor, LeniencyClaim } from '../../workflows/contracts.js';
import { recordStep } from '../steps.js';

interface Assessed {
  entry: LeniencyEntryRow | null;
  earlier: string | null;
  eligible: boolean;
  reason: string;
}

/** Which of the entry's conditions known at the feedback fail (corrected-in-time comes at the close). */
function failing(entry: LeniencyEntryRow, facts: { earlier: string | null; minor: boolean; noHarm: boolean }): string[] {
  const holds: Record<LeniencyCondition, boolean> = { 'first-offence': facts.earlier === null, minor: facts.minor, 'no-harm': facts.noHarm, 'corrected-in-time': true };
  const why: Record<LeniencyCondition, string> = {
    'first-offence': `not a first offence (earlier non-compliance: ${facts.earlier})`,
    minor: 'the offence is not attested as minor',
    'no-harm': 'harmful consequences are not excluded',
    'corrected-in-time': '',
  };
  return entry.conditions.filter((c) => !holds[c]).map((c) => why[c]);
}

async function assess(db: Db, t: { taskId: string; creditCode: string; regionCode: string; itemCodes: string[] }, cause: string, claim: LeniencyClaim | undefined, at: Date): Promise<Assessed> {
  if (cause === 'commitment-untrue') return { entry: null, earlier: null, eligible: false, reason: 'an untrue commitment (虚假承诺) is not a minor offence: no inclusive-list entry applies' };
  const named = claim?.entryCode ? await leniencyEntryByCode(db, claim.entryCode) : undefined;
  const misfit = claim?.entryCode ? (named ? entryMisfit(named, t) : `inclusive-list entry ${claim.entryCode} does not exist`) : null;
  if (misfit) return { entry: null, earlier: null, eligible: false, reason: misfit };
  const entry = named ?? (await entriesCovering(db, t.regionCode, t.itemCodes))[0];
  if (!entry) return { entry: null, earlier: null, eligible: false, reason: `no inclusive-list entry of region ${t.regionCode} covers item ${t.itemCodes.join(' / ')}` };
  const earlier = await earlierOffence(db, { ...t, itemCodes: entry.itemCodes, before: at });
  const fails = failing(entry, { earlier, minor: claim?.minor ?? false, noHarm: claim?.noHarm ?? false });
  const reason = fails.length === 0 ? `包容免罚 entry ${entry.code} (${entry.matter}) applies if corrected in time` : `包容免罚 entry ${entry.code} does not apply: ${fails.join('; ')}`;
  return { entry, earlier, eligible: fails.length === 0, reason };
}

/** A non-compliance fed back: assessed against the inclusive list once (a retry finds the row). */
export async function assessNonCompliance(db: Db, input: { taskId: string; applicationNo: string; cause: 'rectification' | 'commitment-untrue'; leniency?: LeniencyClaim; actor: Actor; at: Date }): Promise<void> {
  const facts = await taskFacts(db, input.taskId);
  if (!facts) return;
  const a = await assess(db, facts, input.cause, input.leniency, input.at);
  await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(leniencyAssessments)
      .values({ taskId: input.taskId, applicationNo: input.applicationNo, creditCode: facts.creditCode, cause: input.cause, entryCode: a.entry?.code ?? null, entryVersion: a.entry?.version ?? null, earlierOffence: a.earlier, minor: input.leniency?.minor ?? false, noHarm: input.leniency?.noHarm ?? false, eligible: a.eligible, reason: a.reason, assessedAt: input.at })
      .onConflictDoNothing()
      .returning();
    if (!row) return;
    const detail = { entryCode: row.entryCode, entryVersion: row.entryVersion, legalBasis: a.entry?.legalBasis ?? null, earlierOffence: row.earlierOffence, minor: row.minor, noHarm: row.noHarm, eligible: row.eligible };
    await recordStep(tx, { key: `${input.taskId}:leniency-assessed`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'leniency-assessed', summary: `inclusive list (包容免罚): ${a.reason}`, actor: input.actor, detail }, input.at);
  });
}

/**
 * The task closes after a non-compliance: the penalty is waived (no penalty, corrected) when the
 * assessment found the entry's conditions held and the first round was rectified, else due.
 */
export async function decidePenalty(tx: Writer, input: { taskId: string; applicationNo: string; round: number; rectified: boolean; actor: Actor; at: Date }): Promise<void> {
  const [a] = await tx.select().from(leniencyAssessments).where(eq(leniencyAssessments.taskId, input.taskId));
  if (!a || a.penalty) return;
  const inTime = input.rectified && input.round <= 1;
  const waived = a.eligible && inTime;
  const why = !input.rectified ? 'not rectified' : !inTime ? `rectified only in round ${input.round}, not in time` : a.reason;
  const penaltyReason = waived ? `no penalty, corrected: 包容免罚 entry ${a.entryCode} v${a.entryVersion}` : `penalty due (依法处罚): ${a.eligible ? why : a.reason}`;
  await tx.update(leniencyAssessments).set({ penalty: waived ? 'waived' : 'due', penaltyReason, decidedAt: input.at }).where(eq(leniencyAssessments.taskId, input.taskId));
  await recordStep(tx, { key: `${input.taskId}:penalty`, applicationNo: input.applicationNo, taskId: input.taskId, kind: waived ? 'penalty-waived' : 'penalty-due', summary: penaltyReason, actor: input.actor, detail: { entryCode: a.entryCode, entryVersion: a.entryVersion, round: input.round, rectified: input.rectified } }, input.at);
}
