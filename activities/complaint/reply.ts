// 答复: the division's reply to a complaint, filed on it and pushed back to the hotline once in
// effect (the outbox row `<complaintNo>:reply`, the same key sent to the hotline); a reply not
// given by its deadline is marked overdue; the complaint closes when its task does.
import { eq, sql } from 'drizzle-orm';
import { complaintReplies, complaints } from '../../db/schema/index.js';
import type { Actor, ReplyOutcome } from '../../workflows/contracts.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import { createEmbeddedHotline } from '../adapters/hotline.js';
import { isRehearsal } from '../../db/queries/catalog.js';
import type { Ctx } from '../context.js';
import { recordStep, writeWithStep } from '../steps.js';

export const replyKey = (complaintNo: string) => `${complaintNo}:reply`;

export async function recordComplaintReply({ db }: Ctx, input: { complaintNo: string; taskId: string; actor: Actor; outcome: ReplyOutcome; text: string; at: string; onTime: boolean }): Promise<void> {
  const at = new Date(input.at);
  const write = db.update(complaints).set({ status: 'replied', replyOutcome: input.outcome, replyText: input.text, repliedAt: at, repliedBy: input.actor }).where(eq(complaints.complaintNo, input.complaintNo));
  const summary = `reply (${input.outcome}) by ${input.actor.sub}${input.onTime ? '' : ' (after the reply deadline)'}`;
  await writeWithStep(db, write, { key: `${input.complaintNo}:replied`, applicationNo: input.complaintNo, taskId: input.taskId, kind: 'complaint-replied', summary, actor: input.actor, detail: { outcome: input.outcome, onTime: input.onTime } }, at);
}

/**
 * The reply to the hotline, once: the outbox row first (a retry finds it, and what was first
 * written is what goes), then the hotline under the same key (it de-duplicates too), then sent
 * on the row, the complaint and the trail.
 */
export async function sendComplaintReply(ctx: Ctx, input: { complaintNo: string }): Promise<{ businessKey: string; sentAt: string; resent: boolean }> {
  const { db, clock } = ctx;
  const businessKey = replyKey(input.complaintNo);
  const [c] = await db.select().from(complaints).where(eq(complaints.complaintNo, input.complaintNo));
  if (!c?.repliedAt || !c.replyOutcome) throw new Error(`complaint ${input.complaintNo} has no reply to send`);
  const payload = { outcome: c.replyOutcome, text: c.replyText ?? '', department: c.departmentCode, repliedAt: c.repliedAt.toISOString() };
  const [row] = await db
    .insert(complaintReplies)
    .values({ businessKey, complaintNo: c.complaintNo, source: c.source, ticketId: c.ticketId, payload, status: 'pending' })
    .onConflictDoUpdate({ target: complaintReplies.businessKey, set: { businessKey: sql`excluded.business_key` } })
    .returning();
  if (row!.status === 'sent') return { businessKey, sentAt: row!.sentAt!.toISOString(), resent: false };
  // A rehearsal's reply (培训演练) goes to the embedded hotline whatever is configured, as its SMS go to the sandbox.
  const hotline = ctx.hotline && !(await isRehearsal(db, c.complaintNo)) ? ctx.hotline : createEmbeddedHotline(db);
  const receipt = await hotline.reply({ businessKey, source: c.source, ticketId: c.ticketId, ...(row!.payload as typeof payload) });
  const sentAt = clock();
  await db.transaction(async (tx) => {
    await tx.update(complaintReplies).set({ status: 'sent', sentAt, providerReceiptId: receipt.receiptId }).where(eq(complaintReplies.businessKey, businessKey));
    await tx.update(complaints).set({ replySentAt: sentAt }).where(eq(complaints.complaintNo, c.complaintNo));
    await recordStep(tx, { key: `${businessKey}:sent`, applicationNo: c.complaintNo, kind: 'reply-sent', summary: `reply sent to the ${c.source} hotline, ticket ${c.ticketId} (receipt ${receipt.receiptId})`, detail: { businessKey, receiptId: receipt.receiptId, duplicate: receipt.duplicate } }, sentAt);
  });
  return { businessKey, sentAt: sentAt.toISOString(), resent: !receipt.duplicate };
}

export async function markReplyOverdue({ db, clock }: Ctx, input: { complaintNo: string; replyDueAt: string }): Promise<void> {
  const now = clock();
  const write = db.update(complaints).set({ replyOverdue: true }).where(eq(complaints.complaintNo, input.complaintNo));
  await writeWithStep(db, write, { key: `${input.complaintNo}:reply-overdue`, applicationNo: input.complaintNo, kind: 'reply-overdue', summary: `no reply by ${formatShanghai(input.replyDueAt)}: overdue, escalated to the coordinating office`, detail: { replyDueAt: input.replyDueAt } }, now);
}

export async function closeComplaint({ db, clock }: Ctx, input: { complaintNo: string; taskId: string; taskOutcome: string }): Promise<void> {
  const now = clock();
  const write = db.update(complaints).set({ status: 'closed', closedAt: now, taskOutcome: input.taskOutcome }).where(eq(complaints.complaintNo, input.complaintNo));
  await writeWithStep(db, write, { key: `${input.complaintNo}:closed`, applicationNo: input.complaintNo, taskId: input.taskId, kind: 'complaint-closed', summary: `complaint closed: replied, and its supervision task ended ${input.taskOutcome}`, detail: { taskOutcome: input.taskOutcome } }, now);
}

export const reply = { recordComplaintReply, sendComplaintReply, markReplyOverdue, closeComplaint };
