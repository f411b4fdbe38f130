// The complaintCase messages (docs/complaints.md): a 12345 / 12315 ticket, routed to the
// competent division as a supervision task, with the reply owed to the hotline in a fixed time.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './common.js';

export const COMPLAINT_STATUSES = ['assigned', 'replied', 'closed'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

/** What the division tells the complainant, through the hotline: the complaint was … */
export const REPLY_OUTCOMES = ['substantiated', 'partly-substantiated', 'unsubstantiated', 'not-competent'] as const;
export type ReplyOutcome = (typeof REPLY_OUTCOMES)[number];

/**
 * No contact of the complainant: the API keeps it masked in PostgreSQL and never hands it to
 * Temporal (the hotline holds it and calls back).
 */
export interface ComplaintCaseInput {
  complaintNo: string;
  source: '12345' | '12315';
  ticketId: string;
  regionCode: string;
  requestHash: string;
  enterprise: { creditCode?: string; name: string };
  matter: string;
  itemCode?: string;
  complainant: { name?: string; phone?: string };
  receivedBy: Actor;
}

export interface ComplaintState {
  complaintNo: string;
  status: ComplaintStatus;
  taskId?: string;
  departmentCode?: string;
  divisionCode?: string;
  replyDueAt?: string;
  replyOverdue: boolean;
  repliedAt?: string;
  replySent: boolean;
  /** How many times it was forwarded (转办). */
  forwards?: number;
}

/** 转办: a complaint goes on this many times at most; beyond, the holder replies (not-competent, with where to turn). */
export const MAX_COMPLAINT_FORWARDS = 3;

/** The holder hands the complaint to the competent department (its division, else the department's first). */
export interface ForwardArgs {
  actor: Actor;
  to: { departmentCode: string; divisionCode?: string };
  reason: string;
}

export interface ReplyArgs {
  actor: Actor;
  outcome: ReplyOutcome;
  text: string;
}

export interface ComplaintResult {
  complaintNo: string;
  taskOutcome?: string;
}

/** Update, not signal: the hotline's POST answers with the route and the reply deadline, and a repeated ticket with another body gets a synchronous "no". */
export const intakeUpdate = defineUpdate<ComplaintState, [{ requestHash: string }]>('intake');
/** The division's reply (答复): refused before the complaint is the caller's, or once replied. */
export const replyUpdate = defineUpdate<ComplaintState, [ReplyArgs]>('reply');
/** 转办, by the division that holds it, before its reply: refused (synchronously) past the hop limit, once replied, or once its task has ended. */
export const forwardUpdate = defineUpdate<ComplaintState, [ForwardArgs]>('forward');
export const complaintStateQuery = defineQuery<ComplaintState>('complaintState');

/** The complaint's number from its hotline and ticket: `C12345-<ticket>`; no `.` (task ids) and no `:` (trail keys) in a ticket id. */
export const complaintNoOf = (source: string, ticketId: string) => `C${source}-${ticketId}`;
export const complaintWorkflowId = (complaintNo: string) => `complaint-${complaintNo}`;
