// Complaints (投诉举报) from the hotline systems, 12345 (the citizens' hotline) and 12315 (consumer
// complaints): one row per ticket, keyed by the hotline and its own ticket id; the reply we owe
// it, once in effect (the outbox `complaint_replies`, keyed by a business key the hotline
// de-duplicates on); and the embedded hotline's own record of what it received (docs/complaints.md).
import { pgTable, text, integer, boolean, jsonb, timestamp, index } from 'drizzle-orm/pg-core';
import type { Actor } from './audit.js';

export const COMPLAINT_SOURCES = ['12345', '12315'] as const;
export type ComplaintSource = (typeof COMPLAINT_SOURCES)[number];

/** One hop of a complaint forwarded (转办): who had it, who has it now, why, by whom. */
export interface ComplaintForward {
  from: { departmentCode: string; divisionCode: string; taskId: string };
  to: { departmentCode: string; divisionCode: string; taskId: string };
  reason: string;
  by: Actor;
  at: string;
}

export const complaints = pgTable(
  'complaints',
  {
    /** `C<source>-<ticket id>`: the trail's file of the complaint and the id of its workflow (`complaint-<no>`). */
    complaintNo: text('complaint_no').primaryKey(),
    source: text('source').$type<ComplaintSource>().notNull(),
    ticketId: text('ticket_id').notNull(),
    /** sha-256 of the posted body: the same ticket with another body is refused (409). */
    requestHash: text('request_hash').notNull(),
    regionCode: text('region_code').notNull(),
    /** The enterprise complained about: its credit code when the hotline gave one (or a case of ours knows its name), and its name. */
    creditCode: text('credit_code'),
    enterpriseName: text('enterprise_name').notNull(),
    matter: text('matter').notNull(),
    itemCode: text('item_code'),
    /** The complainant as we keep them: masked (张*, 138****0011); the hotline holds the contact and calls back. */
    complainantName: text('complainant_name'),
    complainantPhone: text('complainant_phone'),
    /** Where the catalogs routed it: item (its linkage), enterprise (a case of the enterprise), coordinating-office (none competent). */
    routedBy: text('routed_by').notNull(),
    departmentCode: text('department_code').notNull(),
    divisionCode: text('division_code').notNull(),
    taskId: text('task_id').notNull(),
    status: text('status').notNull(), // assigned, replied, closed
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    replyDueAt: timestamp('reply_due_at', { withTimezone: true }).notNull(),
    replyDueProvisional: boolean('reply_due_provisional').notNull().default(false),
    /** How the reply deadline was counted (the policy at receipt): a calendar import counts it again from the receipt by the same rule. */
    replyWindow: jsonb('reply_window').$type<{ amount: number; unit: 'working-day' | 'minute'; officeTime: string }>(),
    replyOverdue: boolean('reply_overdue').notNull().default(false),
    replyOutcome: text('reply_outcome'),
    replyText: text('reply_text'),
    repliedAt: timestamp('replied_at', { withTimezone: true }),
    repliedBy: jsonb('replied_by').$type<Actor>(),
    replySentAt: timestamp('reply_sent_at', { withTimezone: true }),
    /** The first complaint about the same enterprise in the region within a year, and how many came before this one. */
    repeatOf: text('repeat_of'),
    earlierComplaints: integer('earlier_complaints').notNull().default(0),
    /** 转办: each hop from the department that held it to the one it went to, oldest first (docs/complaints.md). */
    forwards: jsonb('forwards').$type<ComplaintForward[]>().notNull().default([]),
    taskOutcome: text('task_outcome'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [
    index('complaints_credit_code_idx').on(t.creditCode, t.receivedAt),
    index('complaints_enterprise_idx').on(t.regionCode, t.enterpriseName, t.receivedAt),
    index('complaints_department_idx').on(t.departmentCode, t.divisionCode, t.receivedAt),
  ],
);

/** The reply owed to the hotline: one row per reply in effect; its business key is what the hotline de-duplicates on. */
export const complaintReplies = pgTable('complaint_replies', {
  businessKey: text('business_key').primaryKey(),
  complaintNo: text('complaint_no').notNull().references(() => complaints.complaintNo),
  source: text('source').notNull(),
  ticketId: text('ticket_id').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  status: text('status').notNull(), // pending, sent
  providerReceiptId: text('provider_receipt_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  sentAt: timestamp('sent_at', { withTimezone: true }),
});

/** The embedded hotline's own record of the replies it accepted, keyed by our business key: it stands in for the hotline's side. */
export const hotlineReplies = pgTable('hotline_replies', {
  businessKey: text('business_key').primaryKey(),
  source: text('source').notNull(),
  ticketId: text('ticket_id').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
});
