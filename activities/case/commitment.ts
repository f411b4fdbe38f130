// 告知承诺 / 材料延期: a licence granted on commitment waits for the deferred materials within
// the commitment period (extendable to a fixed date); the applicant is reminded on the calendar
// day before the deadline (截止前一天), and the materials' arrival issues the licence in full.
import { eq, sql } from 'drizzle-orm';
import { cases, dossiers } from '../../db/schema/index.js';
import { computeDeadline, dayBeforeReminder } from '../../workflows/domain/deadlines.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Actor, Material } from '../../workflows/contracts.js';
import type { WorkingCalendar } from '../../workflows/domain/working-days.js';
import type { Ctx } from '../context.js';
import type { CaseWindow } from '../retime.js';
import { commitmentRule } from '../policy.js';
import { recordStep } from '../steps.js';
import { closeNoticesByLicence } from '../notice/licence.js';

type Rule = Awaited<ReturnType<typeof commitmentRule>>;
/** The commitment period from the decision, its reminder on the calendar day before. */
function commitmentDue(calendar: WorkingCalendar, rule: Rule, from: Date) {
  const d = computeDeadline(calendar, rule.unit, from, rule.period, 0);
  return { ...d, remindAt: dayBeforeReminder(rule.unit, new Date(d.dueAt), from) };
}

/** 材料延期: the commitment period runs from the decision; an extension (`deadline`) is a fixed date. */
export async function openCommitment({ db, clock, calendar: source }: Ctx, input: { applicationNo: string; itemCode: string; from: string; deadline?: string; step?: string; actor?: Actor; reason?: string }) {
  const now = clock();
  const rule = await commitmentRule(db, input.applicationNo);
  const calendar = await source.current(rule.regionCode, rule.calendarVersion);
  const extended = input.deadline ? new Date(input.deadline) : null;
  const due = extended
    ? { dueAt: extended.toISOString(), remindAt: dayBeforeReminder(rule.unit, extended, now), period: 'extended' }
    : commitmentDue(calendar, rule, new Date(input.from));
  await db.transaction(async (tx) => {
    await tx.update(cases).set({ commitmentDueAt: new Date(due.dueAt), stage: 'awaiting-materials', updatedAt: now }).where(eq(cases.applicationNo, input.applicationNo));
    await recordStep(
      tx,
      {
        key: `${input.applicationNo}:${input.step ?? 'commitment-opened'}`,
        applicationNo: input.applicationNo,
        kind: extended ? 'commitment-extended' : 'commitment-opened',
        summary: extended ? `commitment deadline extended to ${formatShanghai(due.dueAt)}: ${input.reason ?? ''}` : `deferred materials due ${formatShanghai(due.dueAt)} (${due.period})`,
        actor: input.actor,
        detail: { dueAt: due.dueAt, remindAt: due.remindAt },
      },
      now,
    );
  });
  return { dueAt: due.dueAt, remindAt: due.remindAt, period: due.period };
}

/** The deferred materials arrived: the commitment is kept and the licence issued in full. */
export async function recordMaterials(ctx: Ctx, input: { applicationNo: string; materials: Material[]; actor: Actor; at: string; onTime: boolean }) {
  const { db, clock } = ctx;
  const at = new Date(input.at);
  await db.transaction(async (tx) => {
    await tx.update(cases).set({ licenceStatus: 'issued', commitmentOutcome: 'kept', stage: 'licensed', updatedAt: clock() }).where(eq(cases.applicationNo, input.applicationNo));
    await tx.update(dossiers).set({ materials: sql`${dossiers.materials} || ${JSON.stringify(input.materials)}::jsonb` }).where(eq(dossiers.applicationNo, input.applicationNo));
    const summary = `deferred materials received${input.onTime ? '' : ' (late)'}: ${input.materials.map((m) => m.name).join('、')}; licence issued`;
    await recordStep(tx, { key: `${input.applicationNo}:materials-received`, applicationNo: input.applicationNo, kind: 'materials-received', summary, actor: input.actor, detail: { materials: input.materials } }, at);
  });
  await closeNoticesByLicence(ctx, input.applicationNo);
}

/** The commitment period after a calendar import: from the decision again. An extended deadline is a fixed date, and stays. */
export const commitmentDeadline: CaseWindow = {
  opening: ['commitment-opened', 'commitment-extended'],
  label: 'commitment deadline',
  async due({ db }, c, calendar, opened) {
    return opened.kind === 'commitment-opened' && c.decidedAt ? commitmentDue(calendar, await commitmentRule(db, c.applicationNo), c.decidedAt) : null;
  },
  columns: (d) => ({ commitmentDueAt: new Date(d.dueAt) }),
};

export const commitment = { openCommitment, recordMaterials };
