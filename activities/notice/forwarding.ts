// 转办: a department notice moves to another holder, by the division of powers or by hand.
import { eq } from 'drizzle-orm';
import { departmentNotices, type NoticeHop } from '../../db/schema/index.js';
import type { Actor } from '../../workflows/contracts.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Ctx } from '../context.js';
import { claimDue } from '../policy.js';
import { catalogError, departmentTerms, holderOf, recordBoth } from './holder.js';

export interface ForwardInput {
  noticeId: string;
  toDepartment: string;
  by: NoticeHop['by'];
  reason: string;
  actor: Actor;
  /** The holder's own item (the division of powers names it). */
  itemCode?: string;
  level?: string;
}

/**
 * 转办: the notice moves to another department, its window opened again there (that region's
 * policy and calendar), the hop on both trails. Keyed by the hop's number: a retry finds the hop made.
 */
export async function forwardNotice(ctx: Ctx, input: ForwardInput) {
  const { db } = ctx;
  const now = ctx.clock();
  const d = await departmentTerms(db, input.toDepartment);
  const due = claimDue(await ctx.calendar.current(d.regionCode), d.policy, now);
  const row = await db.transaction(async (tx) => {
    const [r] = await tx.select().from(departmentNotices).where(eq(departmentNotices.noticeId, input.noticeId)).for('update');
    if (!r) throw catalogError(`notice ${input.noticeId} not found`);
    if (r.departmentCode === d.code) return r; // made already (a retry)
    const hop: NoticeHop = { from: r.departmentCode, to: d.code, by: input.by, reason: input.reason, actor: input.actor, at: now.toISOString(), ...(input.level && { level: input.level }) };
    const [u] = await tx
      .update(departmentNotices)
      .set({ departmentCode: d.code, divisionCode: null, regionCode: d.regionCode, itemCode: input.itemCode ?? r.itemCode, policy: d.policy, openedAt: now, dueAt: new Date(due.dueAt), dueProvisional: due.provisional, remindAt: due.remindAt ? new Date(due.remindAt) : null, overdue: false, hops: [...r.hops, hop], updatedAt: now })
      .where(eq(departmentNotices.noticeId, input.noticeId))
      .returning();
    const how = input.by === 'division-of-powers' ? 'by the division of powers' : `by ${input.actor.sub}`;
    await recordBoth(tx, r, { key: `hop-${r.hops.length + 1}`, kind: 'notice-forwarded', summary: `forwarded from ${r.departmentCode} to ${d.code} ${how}: ${input.reason}; due ${formatShanghai(due.dueAt)} (${due.period})`, actor: input.actor, detail: { ...hop } }, now);
    return u!;
  });
  return holderOf(db, row);
}

export const forwarding = { forwardNotice };
