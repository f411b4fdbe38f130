// The audit trail (全程留痕) and the notification outbox. Both are written by activities;
// both carry a business key with a unique constraint so a retried activity writes nothing twice.
import { pgTable, text, jsonb, timestamp, bigserial, index, boolean, integer } from 'drizzle-orm/pg-core';

export interface Actor {
  sub: string;
  role: string;
  department?: string;
  division?: string;
  platform?: string;
  region?: string;
  hotline?: string;
}

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // <applicationNo>:<step> or <taskId>:<step>; derived from the business, never the run id.
    eventKey: text('event_key').notNull().unique(),
    applicationNo: text('application_no').notNull(),
    taskId: text('task_id'),
    kind: text('kind').notNull(),
    summary: text('summary').notNull(),
    actor: jsonb('actor').$type<Actor>().notNull(), // who; `system` for timers and the worker
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    workflowId: text('workflow_id'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    // The case's hash chain (tamper-evident trail): set by the audit_events_chain trigger, never
    // by the application (db/migrations/0008_audit_chain.sql). `hash` covers the row and
    // `prevHash`, the hash of the case's previous event.
    prevHash: text('prev_hash'),
    hash: text('hash').notNull().default(''),
  },
  (t) => [index('audit_application_idx').on(t.applicationNo, t.id), index('audit_task_idx').on(t.taskId, t.id)],
);

/** Notification outbox: one row per message in effect; its business key is the SMS out_id. */
export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    businessKey: text('business_key').notNull().unique(),
    channel: text('channel').notNull().default('sms'),
    recipientPhone: text('recipient_phone').notNull(),
    recipientName: text('recipient_name'),
    template: text('template').notNull(),
    body: text('body').notNull(),
    applicationNo: text('application_no'),
    taskId: text('task_id'),
    status: text('status').notNull(), // pending, sent, delivered, failed
    providerMessageId: text('provider_message_id'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [index('notifications_application_idx').on(t.applicationNo), index('notifications_recipient_idx').on(t.recipientPhone)],
);

/** The embedded credit platform's records (公共信用信息平台 stand-in) for local runs. */
export const creditProfiles = pgTable('credit_profiles', {
  creditCode: text('credit_code').primaryKey(),
  grade: text('grade').notNull(),
  blacklisted: boolean('blacklisted').notNull().default(false),
  brokenCommitments: integer('broken_commitments').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The embedded SMS gateway's own record of what it accepted, keyed by the out_id we send.
 * It stands in for the provider's side, so tests can prove no message went out twice.
 */
export const smsGatewayMessages = pgTable('sms_gateway_messages', {
  outId: text('out_id').primaryKey(),
  phone: text('phone').notNull(),
  body: text('body').notNull(),
  acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow(),
});
