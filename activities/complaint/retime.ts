// The reply window after a calendar import (调休): counted again from the receipt by the rule
// it opened with, under the calendar as it is now. A forward (转办) does not restart it: the
// complainant's clock runs from the hotline's ticket (docs/complaints.md). When the deadline
// moved, the row and the trail say so, once per import (the step's key carries the import id).
import { eq } from 'drizzle-orm';
import { complaints } from '../../db/schema/index.js';
import type { Ctx } from '../context.js';
import type { Retimed } from '../retime.js';
import { importYear, movedStep, writeWithStep } from '../steps.js';
import { regionPolicy, replyDeadline, replyRuleOf } from './intake.js';

export async function retimeComplaintReply(ctx: Ctx, input: { complaintNo: string; importId: number; dueAt: string; remindAt: string | null }): Promise<Retimed> {
  const { db } = ctx;
  const [c] = await db.select().from(complaints).where(eq(complaints.complaintNo, input.complaintNo));
  if (!c || c.status !== 'assigned') return { dueAt: input.dueAt, remindAt: input.remindAt, moved: false };
  const rule = c.replyWindow ?? replyRuleOf(await regionPolicy(db, c.regionCode), c.source);
  const due = replyDeadline(await ctx.calendar.current(c.regionCode), rule, c.receivedAt);
  if (due.dueAt !== c.replyDueAt.toISOString() || due.provisional !== c.replyDueProvisional) {
    const now = ctx.clock();
    const step = movedStep({ key: `${c.complaintNo}:retimed:reply:${input.importId}`, applicationNo: c.complaintNo, taskId: c.taskId, label: 'reply deadline', window: 'reply', from: c.replyDueAt, to: due.dueAt, provisional: due.provisional, importId: input.importId, year: await importYear(db, input.importId) });
    await writeWithStep(db, db.update(complaints).set({ replyDueAt: new Date(due.dueAt), replyDueProvisional: due.provisional }).where(eq(complaints.complaintNo, c.complaintNo)), step, now);
  }
  return { dueAt: due.dueAt, remindAt: due.remindAt, moved: due.dueAt !== input.dueAt };
}

export const retime = { retimeComplaintReply };
