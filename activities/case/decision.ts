// 审批决定: the approval department decides within the statutory window. An approval issues
// the licence (in full, or on commitment: 告知承诺) and stores the dossier the supervisors get.
import { eq, sql } from 'drizzle-orm';
import { cases, dossiers } from '../../db/schema/index.js';
import type { Actor, Material } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import { writeWithStepOnce } from '../steps.js';
import { closeNoticesByLicence } from '../notice/licence.js';

type DecisionValues = { decision: string; opinion: string; decidedAt: Date; stage: string; licenceStatus: string; now: Date; applicationNo: string };
const decided = writeWithStepOnce<DecisionValues>((db, p) =>
  db
    .update(cases)
    .set({ decision: p('decision'), decisionOpinion: p('opinion'), decidedAt: p('decidedAt'), stage: p('stage'), licenceStatus: p('licenceStatus'), updatedAt: p('now') })
    .where(eq(cases.applicationNo, p('applicationNo'))),
);

export interface DecisionInput {
  applicationNo: string;
  outcome: 'approve' | 'reject';
  opinion: string;
  actor: Actor;
  decidedAt: string;
  materials: Material[];
  commitmentText?: string;
  licenceStatus?: 'issued' | 'granted-on-commitment';
}

/** The dossier of an approved case, keyed by the application: a retry gets the same row back. */
async function storeDossier({ db }: Ctx, input: DecisionInput): Promise<number> {
  // The no-op update makes RETURNING answer on a conflict too.
  const [d] = await db
    .insert(dossiers)
    .values({ applicationNo: input.applicationNo, materials: input.materials, opinion: input.opinion, commitmentText: input.commitmentText ?? null })
    .onConflictDoUpdate({ target: dossiers.applicationNo, set: { applicationNo: sql`excluded.application_no` } })
    .returning({ id: dossiers.id });
  return d!.id;
}

/** Records the decision; an approval issues the licence and stores the dossier for supervision. */
export async function recordDecision(ctx: Ctx, input: DecisionInput) {
  const decidedAt = new Date(input.decidedAt);
  const approved = input.outcome === 'approve';
  const onCommitment = input.licenceStatus === 'granted-on-commitment';
  const dossierId = approved ? await storeDossier(ctx, input) : null;
  await decided(
    ctx.db,
    {
      decision: input.outcome,
      opinion: input.opinion,
      decidedAt,
      stage: approved ? (onCommitment ? 'awaiting-materials' : 'licensed') : 'rejected',
      licenceStatus: approved ? (input.licenceStatus ?? 'issued') : 'none',
      now: ctx.clock(),
      applicationNo: input.applicationNo,
    },
    {
      key: `${input.applicationNo}:decided`,
      applicationNo: input.applicationNo,
      kind: approved ? 'approved' : 'rejected',
      summary: approved ? `approved, ${onCommitment ? 'licence granted on commitment (告知承诺)' : 'licence issued'}: ${input.opinion}` : `rejected: ${input.opinion}`,
      actor: input.actor,
      detail: { outcome: input.outcome, opinion: input.opinion, dossierId },
    },
    decidedAt,
  );
  // A licence issued in full answers the registration notices (双告知) it was the later approval of.
  if (approved && !onCommitment) await closeNoticesByLicence(ctx, input.applicationNo);
  return { dossierId };
}

export const decision = { recordDecision };
