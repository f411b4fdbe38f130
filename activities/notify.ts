// SMS notices (短信): the outbox row is keyed by the business key, and the same key is the
// provider's out_id, so neither a retry here nor one at the provider sends twice.
import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { preparedPerDb } from '../db/client.js';
import { cases, departments, divisions, notifications, regions } from '../db/schema/index.js';
import { FailureType, type Actor } from '../workflows/contracts.js';
import { maskPhone } from '../workflows/domain/format.js';
import type { SmsAdapter } from './adapters/sms.js';
import type { Ctx } from './context.js';
import { renderMessage, type MessageTemplate } from './messages.js';
import { recordStep, writeWithStepOnce, type StepRecord } from './steps.js';
import { adapterFor } from './sandbox.js';

const division = preparedPerDb((db) => db.select().from(divisions).where(eq(divisions.code, sql.placeholder('code'))).prepare('division_by_code'));
// Delivery status only moves forward: a delivery receipt (delivered/failed) that reached us
// before this write keeps its status.
const smsSent = writeWithStepOnce<{ providerMessageId: string; sentAt: Date; businessKey: string }>((db, p) =>
  db
    .update(notifications)
    .set({ status: sql`case when ${notifications.status} = 'pending' then 'sent' else ${notifications.status} end`, providerMessageId: p('providerMessageId'), sentAt: p('sentAt') })
    .where(eq(notifications.businessKey, p('businessKey'))),
);

export { maskPhone };

export type Recipient =
  | { kind: 'division-admin'; divisionCode: string }
  | { kind: 'department-head'; departmentCode: string }
  | { kind: 'coordinating-office'; regionCode: string }
  | { kind: 'regional-admin'; regionCode: string }
  | { kind: 'applicant'; applicationNo: string }
  /** An enterprise with no case of ours (a complaint's): no phone of it is on file. */
  | { kind: 'enterprise'; creditCode: string; name: string };

export interface NotifyInput {
  businessKey: string;
  recipient: Recipient;
  template: MessageTemplate;
  params: Record<string, string>;
  applicationNo: string;
  taskId?: string;
}

export interface NotifyResult {
  businessKey: string;
  status: 'sent' | 'delivered' | 'failed';
  resent: boolean;
  /** When the gateway took it (ISO); null when it did not. A claim window counts from it (seed 003 §9). */
  sentAt?: string | null;
}

const notFound = (what: string) => ApplicationFailure.create({ type: FailureType.CatalogError, message: `${what} not found`, nonRetryable: true });

/** The recipient's name and phone; phone null when none is on file (the message then fails, on the record). */
export async function resolveRecipient({ db }: Ctx, r: Recipient): Promise<{ phone: string | null; name: string }> {
  if (r.kind === 'division-admin') {
    const [d] = await division(db).execute({ code: r.divisionCode });
    if (!d) throw notFound(`division ${r.divisionCode}`);
    return { phone: d.adminPhone, name: d.adminName };
  }
  if (r.kind === 'department-head') {
    const [d] = await db.select().from(departments).where(eq(departments.code, r.departmentCode));
    return { phone: d?.headPhone ?? null, name: d ? (d.headName ?? d.name) : `head of ${r.departmentCode}` };
  }
  if (r.kind === 'regional-admin') {
    const [reg] = await db.select().from(regions).where(eq(regions.code, r.regionCode));
    return { phone: reg?.adminPhone ?? null, name: reg?.adminName ?? `regional admin of ${r.regionCode}` };
  }
  if (r.kind === 'coordinating-office') {
    // 政务办: the region's coordinating department, which escalations reach after the head.
    const [d] = await db.select().from(departments).where(and(eq(departments.regionCode, r.regionCode), eq(departments.side, 'coordination')));
    return { phone: d?.headPhone ?? null, name: d ? (d.headName ?? d.name) : `coordinating office of ${r.regionCode}` };
  }
  if (r.kind === 'enterprise') return { phone: null, name: r.name };
  const [c] = await db.select().from(cases).where(eq(cases.applicationNo, r.applicationNo));
  if (!c) throw notFound(`case ${r.applicationNo}`);
  return { phone: c.applicantPhone, name: c.applicantName };
}

/** The outbox row of the message; a retry gets the stored row (what was first rendered is what goes out). */
async function outboxRow({ db }: Ctx, input: NotifyInput, to: { phone: string | null; name: string }, now: Date) {
  const [row] = await db
    .insert(notifications)
    .values({
      businessKey: input.businessKey,
      recipientPhone: to.phone ?? '',
      recipientName: to.name,
      template: input.template,
      body: renderMessage(input.template, input.params),
      applicationNo: input.applicationNo,
      taskId: input.taskId ?? null,
      status: to.phone ? 'pending' : 'failed',
      error: to.phone ? null : 'no phone number on file for the recipient',
      createdAt: now,
    })
    .onConflictDoUpdate({ target: notifications.businessKey, set: { businessKey: sql`excluded.business_key` } })
    .returning();
  return row!;
}

/** What the trail says of one outbox row's delivery. */
interface Delivery {
  businessKey: string;
  applicationNo: string;
  taskId?: string | null;
  template: string;
  name: string;
}

const deliveryStep = (d: Delivery, kind: string, suffix: string, summary: string, detail: Record<string, unknown> = {}): StepRecord => ({
  key: `${d.businessKey}:${suffix}`,
  applicationNo: d.applicationNo,
  taskId: d.taskId ?? undefined,
  kind,
  summary: `SMS (${d.template}) to ${d.name} ${summary}`,
  detail: { businessKey: d.businessKey, ...detail },
});

/** Hands a pending outbox row to the gateway: sent, or failed for good on the record (a transient error is thrown for Temporal to retry). */
async function deliver(ctx: Ctx, row: typeof notifications.$inferSelect, d: Delivery): Promise<NotifyResult> {
  const { db, clock } = ctx;
  const sms = await adapterFor(ctx, d.applicationNo, 'sms');
  let receipt: Awaited<ReturnType<SmsAdapter['send']>>;
  try {
    receipt = await sms.send({ outId: row.businessKey, phone: row.recipientPhone, body: row.body });
  } catch (err) {
    if (!(err instanceof ApplicationFailure && err.nonRetryable)) throw err; // transient: Temporal retries
    // Refused for good (a bad number, a blocked template): on the record, and the caller escalates.
    await db.transaction(async (tx) => {
      await tx.update(notifications).set({ status: 'failed', error: err.message }).where(eq(notifications.businessKey, row.businessKey));
      await recordStep(tx, deliveryStep(d, 'notification-failed', 'failed', `${maskPhone(row.recipientPhone)} refused by the gateway: ${err.message}`), clock());
    });
    return { businessKey: row.businessKey, status: 'failed', resent: false, sentAt: null };
  }
  const sentAt = clock();
  const sent = deliveryStep(d, 'notification-sent', 'sent', maskPhone(row.recipientPhone), { providerMessageId: receipt.providerMessageId });
  await smsSent(db, { providerMessageId: receipt.providerMessageId, sentAt, businessKey: row.businessKey }, sent, sentAt);
  return { businessKey: row.businessKey, status: 'sent', resent: !receipt.duplicate, sentAt: sentAt.toISOString() };
}

/** Sends one message in effect (see the top of this file). */
export async function notify(ctx: Ctx, input: NotifyInput): Promise<NotifyResult> {
  const { db, clock } = ctx;
  const now = clock();
  const to = await resolveRecipient(ctx, input.recipient);
  const row = await outboxRow(ctx, input, to, now);
  const d: Delivery = { businessKey: input.businessKey, applicationNo: input.applicationNo, taskId: input.taskId, template: input.template, name: to.name };
  if (row.status === 'sent' || row.status === 'delivered') return { businessKey: input.businessKey, status: row.status, resent: false, sentAt: row.sentAt?.toISOString() ?? null };
  if (row.status === 'failed' && row.recipientPhone) return { businessKey: input.businessKey, status: 'failed', resent: false };
  if (!row.recipientPhone) {
    // Not a reason to stop the case: the failure is on the record, and the outbox shows it.
    await recordStep(db, deliveryStep(d, 'notification-failed', 'failed', 'not sent: no phone number on file'), now);
    return { businessKey: input.businessKey, status: 'failed', resent: false };
  }
  return deliver(ctx, row, d);
}

export interface ResendInput {
  /** The message that failed for good. */
  originalKey: string;
  /** The re-send's own business key (`<original>:resend-<n>`): its outbox row and the provider's out_id. */
  businessKey: string;
  /** The number to send to, when the one the message failed on was wrong; else the same. */
  phone?: string;
  reason: string;
  actor: Actor;
}

/**
 * An operator's re-send of a message that failed for good (补发): a new outbox row under its own
 * key with the same body, on the case's trail with who asked and why, then delivered like any
 * message. A retry finds its row: nothing goes out twice.
 */
export async function resendNotification(ctx: Ctx, input: ResendInput): Promise<NotifyResult> {
  const { db, clock } = ctx;
  const [orig] = await db.select().from(notifications).where(eq(notifications.businessKey, input.originalKey));
  if (!orig?.applicationNo) throw notFound(`notification ${input.originalKey} of a case`);
  const now = clock();
  const phone = input.phone ?? orig.recipientPhone;
  const d: Delivery = { businessKey: input.businessKey, applicationNo: orig.applicationNo, taskId: orig.taskId, template: orig.template, name: orig.recipientName ?? '' };
  const [row] = await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(notifications)
      .values({ businessKey: input.businessKey, recipientPhone: phone, recipientName: orig.recipientName, template: orig.template, body: orig.body, applicationNo: orig.applicationNo, taskId: orig.taskId, status: 'pending', createdAt: now })
      .onConflictDoUpdate({ target: notifications.businessKey, set: { businessKey: sql`excluded.business_key` } })
      .returning();
    const step = deliveryStep(d, 'notification-resent', 'requested', `re-sent by ${input.actor.sub} to ${maskPhone(phone)} (the first, ${input.originalKey}, failed: ${orig.error ?? 'refused'}): ${input.reason}`, { originalKey: input.originalKey });
    await recordStep(tx, { ...step, actor: input.actor }, now);
    return inserted;
  });
  if (row!.status !== 'pending') return { businessKey: input.businessKey, status: row!.status as NotifyResult['status'], resent: false };
  return deliver(ctx, row!, d);
}
