// The notification outbox as the API reads it, and the delivery receipts the SMS provider sends.
import { and, asc, count, desc, eq, inArray, like, or, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { notifications } from '../schema/index.js';

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

/** Records a delivery receipt: delivered (at) or failed (with the provider's reason). */
export async function recordReceipt(db: Db, businessKey: string, r: { status: 'delivered' | 'failed'; at: Date; error?: string }): Promise<void> {
  await db
    .update(notifications)
    .set(r.status === 'delivered' ? { status: 'delivered', deliveredAt: r.at, error: null } : { status: 'failed', error: r.error ?? 'reported failed by the provider' })
    .where(eq(notifications.businessKey, businessKey));
}
