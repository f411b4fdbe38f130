// Effects on the credit platform and the e-licence service (DOMAIN.md §3.2, §3.5). Activities
// run at least once, so each effect is keyed by a business key with a unique constraint, the
// same key goes to the provider, and the audit trail gets one event per step (ARCHITECTURE.md §4).
import { ApplicationFailure } from '@temporalio/activity';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditEvents, creditRecords, leniencyAssessments, type CreditRecordKind } from '../db/schema/index.js';
import type { CreditPlatform } from './adapters/credit-platform.js';
import type { ElicenceService, MaterialCheck } from './adapters/elicence.js';
import { withContext, type Adapters } from './context.js';
import { adapterFor } from './sandbox.js';
import { recordStep, writeWithStep, writeWithStepOnce } from './steps.js';

export interface EffectActivityDeps {
  db: Db;
  creditPlatform: CreditPlatform;
  elicence: ElicenceService;
  /** A rehearsal case's adapters (activities/sandbox.ts). */
  sandbox?: Partial<Adapters>;
  clock: () => Date;
}

export interface PushCreditRecordInput {
  /** e.g. `<applicationNo>:credit:revocation`; derived from the business, never the run id. */
  businessKey: string;
  creditCode: string;
  kind: CreditRecordKind;
  applicationNo: string;
  taskId?: string;
  summary: string;
  detail?: Record<string, unknown>;
}

export interface PushCreditRecordResult {
  businessKey: string;
  /** rejected: the platform refused it for good (it is on the case's record, not retried). */
  status: 'accepted' | 'rejected';
  providerRecordId: string | null;
}

export interface VerifyMaterialsInput {
  applicationNo: string;
  creditCode: string;
  materials: string[];
}

export interface VerifyMaterialsResult {
  allOk: boolean;
  results: MaterialCheck[];
}

/** The credit record's acceptance, built by drizzle once (steps.ts, writeWithStepOnce): one per case. */
const creditRecordAccepted = writeWithStepOnce<{ providerRecordId: string; acceptedAt: Date; businessKey: string }>((db, p) =>
  db.update(creditRecords).set({ status: 'accepted', providerRecordId: p('providerRecordId'), acceptedAt: p('acceptedAt'), error: null }).where(eq(creditRecords.businessKey, p('businessKey'))),
);

/**
 * A supervision result after a non-compliance says what became of the penalty: waived under the
 * inclusive list (no penalty, corrected: 包容免罚, with its entry) or due (leniency.ts).
 */
async function withPenalty(db: Db, input: PushCreditRecordInput): Promise<{ summary: string; detail: Record<string, unknown> }> {
  const detail = input.detail ?? {};
  if (input.kind !== 'supervision-result' || !input.taskId) return { summary: input.summary, detail };
  const [a] = await db.select().from(leniencyAssessments).where(eq(leniencyAssessments.taskId, input.taskId));
  if (!a?.penalty) return { summary: input.summary, detail };
  return { summary: `${input.summary}; ${a.penaltyReason}`, detail: { ...detail, penalty: a.penalty, leniencyEntry: a.entryCode, leniencyEntryVersion: a.entryVersion } };
}

/**
 * Files a record on the public credit platform exactly once in effect: our row is written
 * first (pending), the platform gets the same business key (it de-duplicates on it), and
 * the row turns accepted with the audit event in one transaction. A retry after any crash
 * finds the row and either returns it (accepted) or pushes again, which the platform
 * answers as a duplicate. A platform failure leaves the row pending with the error on it.
 */
export async function pushCreditRecord(deps: EffectActivityDeps, input: PushCreditRecordInput): Promise<PushCreditRecordResult> {
  const { db, clock } = deps;
  const { summary, detail } = await withPenalty(db, input);
  // Our row first (pending); a retry gets the stored row back (the no-op update makes
  // RETURNING answer on a conflict too).
  const [row] = await db
    .insert(creditRecords)
    .values({
      businessKey: input.businessKey,
      creditCode: input.creditCode,
      kind: input.kind,
      applicationNo: input.applicationNo,
      taskId: input.taskId ?? null,
      summary,
      detail,
      status: 'pending',
      createdAt: clock(),
    })
    .onConflictDoUpdate({ target: creditRecords.businessKey, set: { businessKey: sql`excluded.business_key` } })
    .returning();
  if (!row) throw new Error(`credit record ${input.businessKey} vanished`);
  if (row.creditCode !== input.creditCode || row.kind !== input.kind) {
    // A business key names one effect; reusing it for another applicant or kind is a bug.
    throw ApplicationFailure.create({
      type: 'CreditRecordKeyConflict',
      message: `credit record ${input.businessKey} already exists for ${row.creditCode} (${row.kind}), not ${input.creditCode} (${input.kind})`,
      nonRetryable: true,
    });
  }
  if (row.status === 'rejected') return { businessKey: row.businessKey, status: 'rejected', providerRecordId: null };
  if (row.status === 'accepted' && row.providerRecordId) {
    return { businessKey: row.businessKey, status: 'accepted', providerRecordId: row.providerRecordId };
  }

  let receipt;
  try {
    // What we filed first is what goes out, so every attempt sends the same record.
    receipt = await (await adapterFor(deps, row.applicationNo ?? input.applicationNo, 'creditPlatform')).push({ businessKey: row.businessKey, creditCode: row.creditCode, kind: row.kind, summary: row.summary, detail: row.detail });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ApplicationFailure && err.nonRetryable) {
      // The platform refused the record for good: not sent again, and on the case's record.
      await writeWithStep(
        db,
        db.update(creditRecords).set({ status: 'rejected', error: message }).where(eq(creditRecords.businessKey, row.businessKey)),
        { key: `${row.businessKey}:rejected`, applicationNo: row.applicationNo, taskId: row.taskId ?? undefined, kind: 'credit-record-rejected', summary: `credit record (${row.kind}) rejected by the credit platform: ${message}`, detail: { businessKey: row.businessKey } },
        clock(),
      );
      return { businessKey: row.businessKey, status: 'rejected', providerRecordId: null };
    }
    await db.update(creditRecords).set({ error: message }).where(eq(creditRecords.businessKey, row.businessKey));
    throw err;
  }

  const acceptedAt = clock();
  // Accepted and on the case's record in one statement.
  await creditRecordAccepted(
    db,
    { providerRecordId: receipt.providerRecordId, acceptedAt, businessKey: row.businessKey },
    {
      key: `${row.businessKey}:pushed`,
      applicationNo: row.applicationNo,
      taskId: row.taskId ?? undefined,
      kind: 'credit-record',
      summary: `credit record (${row.kind}) pushed to the credit platform: ${row.summary}`,
      detail: { businessKey: row.businessKey, creditCode: row.creditCode, kind: row.kind, providerRecordId: receipt.providerRecordId, duplicate: receipt.duplicate },
    },
    acceptedAt,
  );
  return { businessKey: row.businessKey, status: 'accepted', providerRecordId: receipt.providerRecordId };
}

/**
 * 材料核验: checks the materials against the applicant's e-licences now and puts the answer
 * on the case's trail. The answer is recorded once per application: a retry after the trail
 * has it returns the recorded answer, so the workflow and the trail never disagree.
 */
export async function verifyMaterials(deps: EffectActivityDeps, input: VerifyMaterialsInput): Promise<VerifyMaterialsResult> {
  const { db, clock } = deps;
  const eventKey = `${input.applicationNo}:materials-verified`;
  const [recorded] = await db.select({ detail: auditEvents.detail }).from(auditEvents).where(eq(auditEvents.eventKey, eventKey));
  if (recorded) {
    const detail = recorded.detail as { allOk: boolean; results: MaterialCheck[] };
    return { allOk: detail.allOk, results: detail.results };
  }
  const at = clock();
  const results = await (await adapterFor(deps, input.applicationNo, 'elicence')).verify({ creditCode: input.creditCode, materials: input.materials, at });
  const allOk = results.every((r) => r.ok);
  const listed = results.map((r) => (r.ok ? `${r.material} ok${r.licenceNo ? ` (${r.licenceNo})` : ''}` : `${r.material} failed (${r.reason ?? 'not verified'})`)).join('; ');
  const inserted = await recordStep(
    db,
    { key: eventKey, applicationNo: input.applicationNo, kind: 'materials-verified', summary: `materials verified against e-licences: ${listed || 'none to verify'}`, detail: { creditCode: input.creditCode, at: at.toISOString(), allOk, results } },
    at,
  );
  if (!inserted) {
    // A concurrent attempt recorded first: its answer is the one on the trail.
    const [first] = await db.select({ detail: auditEvents.detail }).from(auditEvents).where(eq(auditEvents.eventKey, eventKey));
    const detail = first!.detail as { allOk: boolean; results: MaterialCheck[] };
    return { allOk: detail.allOk, results: detail.results };
  }
  return { allOk, results };
}

export const effects = { pushCreditRecord, verifyMaterials };

/** The effect activities alone, for tests that need no more. */
export const createEffectActivities = (deps: EffectActivityDeps) => withContext(deps, effects);
