// 撤销许可: a revocation waits for the approval department — requested by supervision after a
// failed re-inspection, or allowed by an overdue commitment — in its own window with a reminder,
// so it cannot stall either; the department executes it through the case.
import { eq } from 'drizzle-orm';
import { cases } from '../../db/schema/index.js';
import { caseTerms, snapshotOf } from '../../db/policies.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Actor } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import type { CaseWindow } from '../retime.js';
import { feedbackDue } from '../policy.js';
import { recordStep } from '../steps.js';

/** The revocation decision is due within the feedback window of the item's policy, from now. */
export async function openRevocation({ db, clock, calendar }: Ctx, input: { applicationNo: string; itemCode: string; reason: string; step: string; commitmentBroken?: boolean }) {
  const now = clock();
  const terms = await caseTerms(db, input.applicationNo);
  const due = feedbackDue(await calendar.current(terms.regionCode, terms.calendarVersion), snapshotOf(terms.policy), now);
  await db.transaction(async (tx) => {
    await tx
      .update(cases)
      .set({ stage: 'revocation-pending', revocationReason: input.reason, revocationDueAt: new Date(due.dueAt), revocationDueProvisional: due.provisional, updatedAt: now, ...(input.commitmentBroken && { commitmentOutcome: 'broken' }) })
      .where(eq(cases.applicationNo, input.applicationNo));
    const summary = `revocation pending: ${input.reason}; the approval department decides by ${formatShanghai(due.dueAt)}`;
    await recordStep(tx, { key: `${input.applicationNo}:${input.step}`, applicationNo: input.applicationNo, kind: 'revocation-pending', summary, detail: { reason: input.reason, dueAt: due.dueAt } }, now);
  });
  return { dueAt: due.dueAt, remindAt: due.remindAt, period: due.period };
}

/** 撤销许可: executed by the approval department, through the case. */
export async function revokeLicence({ db, clock }: Ctx, input: { applicationNo: string; actor: Actor; reason: string; at: string }) {
  const at = new Date(input.at);
  await db.transaction(async (tx) => {
    await tx.update(cases).set({ licenceStatus: 'revoked', stage: 'revoked', revocationReason: input.reason, updatedAt: clock() }).where(eq(cases.applicationNo, input.applicationNo));
    await recordStep(tx, { key: `${input.applicationNo}:revoked`, applicationNo: input.applicationNo, kind: 'licence-revoked', summary: `licence revoked by ${input.actor.sub}: ${input.reason}`, actor: input.actor, detail: { reason: input.reason } }, at);
  });
}

/** The revocation decision after a calendar import: from the moment it became pending, again. */
export const revocationDeadline: CaseWindow = {
  opening: ['revocation-pending'],
  label: 'revocation decision deadline',
  due: async ({ db }, c, calendar, opened) => feedbackDue(calendar, snapshotOf((await caseTerms(db, c.applicationNo)).policy), opened.at),
  columns: (d) => ({ revocationDueAt: new Date(d.dueAt), revocationDueProvisional: d.provisional }),
};

export const revocation = { openRevocation, revokeLicence };
