// A department notice's window: the holder's answer (认领 / 签收), the escalation when the window
// passes unanswered, and the window moved by a calendar import.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { departmentNotices } from '../../db/schema/index.js';
import type { Actor } from '../../workflows/contracts.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Ctx } from '../context.js';
import { notify, type NotifyInput } from '../notify.js';
import { claimDue } from '../policy.js';
import { importYear, movedStep, recordStep } from '../steps.js';
import { OPEN, catalogError, recordBoth } from './holder.js';

/** 认领 / 签收: the holder took the notice on; on both trails, with its timeliness. */
export async function answerNotice(ctx: Ctx, input: { noticeId: string; actor: Actor; note?: string; at: string; onTime: boolean }): Promise<void> {
  const at = new Date(input.at);
  await ctx.db.transaction(async (tx) => {
    const [r] = await tx.select().from(departmentNotices).where(eq(departmentNotices.noticeId, input.noticeId));
    if (!r) throw catalogError(`notice ${input.noticeId} not found`);
    const status = r.kind === 'registration' ? 'claimed' : 'acknowledged';
    await tx
      .update(departmentNotices)
      .set({ status, answeredAt: at, answeredBy: input.actor, answerNote: input.note ?? null, updatedAt: ctx.clock() })
      .where(and(eq(departmentNotices.noticeId, input.noticeId), inArray(departmentNotices.status, OPEN)));
    const verb = r.kind === 'registration' ? 'claimed (认领)' : 'acknowledged (签收, 双反馈)';
    await recordBoth(tx, r, { key: 'answered', kind: r.kind === 'registration' ? 'notice-claimed' : 'notice-acknowledged', summary: `${verb} by ${input.actor.sub} of ${r.departmentCode}${input.onTime ? '' : ' (after the deadline)'}${input.note ? `: ${input.note}` : ''}`, actor: input.actor, detail: { onTime: input.onTime } }, at);
  });
}

/** The window passed unanswered: overdue on both trails, then each escalation notice (every part keyed). */
export async function escalateNotice(ctx: Ctx, input: { noticeId: string; dueAt: string; notices: NotifyInput[] }): Promise<void> {
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const [r] = await tx.update(departmentNotices).set({ overdue: true, escalatedAt: sql`coalesce(${departmentNotices.escalatedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now }).where(eq(departmentNotices.noticeId, input.noticeId)).returning();
    if (!r) throw catalogError(`notice ${input.noticeId} not found`);
    const to = input.notices.map((n) => n.recipient.kind).join(' and ');
    await recordBoth(tx, r, { key: `overdue:${input.dueAt}`, kind: 'notice-overdue', summary: `not answered by ${r.departmentCode} by ${formatShanghai(input.dueAt)}: overdue, escalated to ${to || 'nobody (no ladder)'}`, detail: { dueAt: input.dueAt } }, now);
  });
  for (const n of input.notices) await notify(ctx, n);
}

/** The notice's window after a calendar import: from its opening again, under the policy it keeps. */
export async function retimeNotice(ctx: Ctx, input: { noticeId: string; importId: number; dueAt: string; remindAt: string | null }) {
  const [r] = await ctx.db.select().from(departmentNotices).where(eq(departmentNotices.noticeId, input.noticeId));
  if (!r || !OPEN.includes(r.status)) return { dueAt: input.dueAt, remindAt: input.remindAt };
  const due = claimDue(await ctx.calendar.current(r.regionCode), r.policy, r.openedAt);
  if (due.dueAt === input.dueAt) return { dueAt: due.dueAt, remindAt: due.remindAt };
  const now = ctx.clock();
  const step = movedStep({ key: `${r.noticeId}:retimed:${input.importId}`, applicationNo: r.noticeId, label: 'notice deadline', window: 'notice', from: input.dueAt, to: due.dueAt, importId: input.importId, year: await importYear(ctx.db, input.importId) });
  await ctx.db.transaction(async (tx) => {
    await tx.update(departmentNotices).set({ dueAt: new Date(due.dueAt), dueProvisional: due.provisional, remindAt: due.remindAt ? new Date(due.remindAt) : null, updatedAt: now }).where(eq(departmentNotices.noticeId, r.noticeId));
    await recordStep(tx, step, now);
  });
  return { dueAt: due.dueAt, remindAt: due.remindAt };
}

export const answering = { answerNotice, escalateNotice, retimeNotice };
