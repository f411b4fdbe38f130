// The notification outbox as the API reads it, and the delivery receipts the SMS provider sends.
import { and, asc, count, desc, eq, inArray, like, or, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditEvents, notifications } from '../schema/index.js';
import { maskPhone } from '../../workflows/domain/format.js';

export type NotificationRow = typeof notifications.$inferSelect;
/** A message's delivery status, as the outbox filters it. */
export const NOTIFICATION_STATUSES = ['pending', 'sent', 'delivered', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** A page of the outbox, newest first, and how many match. */
export async function outbox(db: Db, f: { applicationNo?: string; recipient?: string; status?: NotificationStatus }, page: { limit: number; offset: number }): Promise<{ rows: NotificationRow[]; total: number }> {
  const where: SQL[] = [];
  if (f.applicationNo) where.push(eq(notifications.applicationNo, f.applicationNo));
  if (f.recipient) where.push(eq(notifications.recipientPhone, f.recipient));
  if (f.status) where.push(eq(notifications.status, f.status));
  const filter = and(...where);
  const [rows, [total]] = await Promise.all([
    db.select().from(notifications).where(filter).orderBy(desc(notifications.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(notifications).where(filter),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** A message and its re-sends (`<key>:resend-<n>`), oldest first. */
export function resendChain(db: Db, rootKey: string): Promise<NotificationRow[]> {
  return db.select().from(notifications).where(or(eq(notifications.businessKey, rootKey), like(notifications.businessKey, `${rootKey.replace(/[\\%_]/g, '\\$&')}:resend-%`))).orderBy(asc(notifications.id));
}

/** The messages sent under these business keys, by key. */
export async function notificationsByKey(db: Db, keys: string[]): Promise<Map<string, NotificationRow>> {
  return new Map((await db.select().from(notifications).where(inArray(notifications.businessKey, keys))).map((n) => [n.businessKey, n]));
}

/**
 * Records a delivery receipt: delivered (at) or failed (with the provider's reason), and puts it
 * on the case's trail (全程留痕) with the message's masked recipient, once per message and status.
 */
export async function recordReceipt(db: Db, businessKey: string, r: { status: 'delivered' | 'failed'; at: Date; error?: string }): Promise<void> {
  await db.transaction(async (tx) => {
    const [n] = await tx
      .update(notifications)
      .set(r.status === 'delivered' ? { status: 'delivered', deliveredAt: r.at, error: null } : { status: 'failed', error: r.error ?? 'reported failed by the provider' })
      .where(eq(notifications.businessKey, businessKey))
      .returning();
    if (!n?.applicationNo) return;
    const what = r.status === 'delivered' ? 'delivered' : `not delivered (${n.error})`;
    await tx
      .insert(auditEvents)
      .values({
        eventKey: `${businessKey}:receipt:${r.status}`,
        applicationNo: n.applicationNo,
        taskId: n.taskId,
        kind: r.status === 'delivered' ? 'notification-delivered' : 'notification-undelivered',
        summary: `SMS (${n.template}) to ${n.recipientName ?? ''} ${maskPhone(n.recipientPhone)}: ${what}, the provider reports`,
        actor: { sub: 'sms-provider', role: 'system' },
        detail: { businessKey, status: r.status, at: r.at.toISOString(), ...(r.error && { error: r.error }) },
        at: r.at,
      })
      .onConflictDoNothing({ target: auditEvents.eventKey });
  });
}
