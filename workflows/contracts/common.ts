// What both workflows and the API share: failure types, actors, the applicant, and the ids that
// carry business keys.
import { defineSignal } from '@temporalio/workflow';

/** Failure types carried by ApplicationFailure.type; api/errors.ts maps them to HTTP. */
export const FailureType = {
  /** The action is not allowed in the current state (409). */
  InvalidState: 'InvalidState',
  /** The caller is not the party that may act on this object (403). */
  Forbidden: 'Forbidden',
  /** The same business key was used with a different request (409). */
  Conflict: 'Conflict',
  /** Input that passed the schema but breaks a business rule (422). */
  Invalid: 'Invalid',
  /** A referenced catalog object does not exist or is not usable (422). */
  CatalogError: 'CatalogError',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

export interface Actor {
  sub: string;
  role: 'approval' | 'supervision' | 'regional-admin' | 'arbiter' | 'operator' | 'platform' | 'hotline' | 'system';
  department?: string;
  division?: string;
  /** role platform: the other supervision platform (互联网+监管, market supervision, law enforcement). */
  platform?: string;
  /** role platform or hotline: the region it serves. */
  region?: string;
  /** role hotline: which hotline (12345, 12315). */
  hotline?: string;
  /** role supervision: the division admin (处室负责人) of `division`, who may delegate its tasks (委派, docs/delegation.md). */
  divisionAdmin?: boolean;
}

export const SYSTEM_ACTOR: Actor = { sub: 'system', role: 'system' };

export interface Applicant {
  creditCode: string;
  name: string;
  phone: string;
}

export type RequestedRoute = 'auto' | 'standard' | 'commitment';
export type Route = 'standard' | 'commitment';

// ─── calendarRetime ──────────────────────────────────────────────────────────

export interface CalendarRetimeInput {
  importId: number;
  year: number;
}
export const calendarRetimeWorkflowId = (importId: number) => `calendar-import-${importId}`;

/** An operator's re-send (补发) of a message that failed for good; its key is `<original>:resend-<n>`. */
export interface ResendNotificationInput {
  originalKey: string;
  businessKey: string;
  phone?: string;
  reason: string;
  actor: Actor;
}
export const resendWorkflowId = (businessKey: string) => `resend-${businessKey}`;

// ─── ids ─────────────────────────────────────────────────────────────────────

/** Workflow ids carry the business key: starting the same application twice is one case. */
export const caseWorkflowId = (applicationNo: string) => `case-${applicationNo}`;
/**
 * A task's id: `task-<applicationNo>.<department>`. An application number has no `.` (API.md),
 * so no two pairs give one id (with `-`, A-B + C and A + B-C did).
 */
export const taskId = (applicationNo: string, departmentCode: string) => `task-${applicationNo}.${departmentCode}`;

/**
 * The trail's key of a result another platform posted: the platform's own record id, per
 * platform (one platform's ids say nothing of another's). A repeated post finds it.
 */
export const externalResultKey = (platform: string, recordId: string) => `external-result:${platform}:${recordId}`;

/** A calendar import may have moved this workflow's open deadline: re-compute it (a system event, so a Signal). */
export const calendarChangedSignal = defineSignal<[{ importId: number; year: number }]>('calendarChanged');

/** The scheduled check (daily): produce the 通报 of the month before for each region whose first working day of the month is today. */
export interface MonthlyReportsInput {
  /** Only these regions (tests); absent: every live region. */
  regions?: string[];
}
/** One region's 通报 of one month (YYYY-MM, Asia/Shanghai): produced, kept and announced once. */
export interface MonthlyReportInput {
  regionCode: string;
  month: string;
}
/** The id makes the report of a region and month one workflow, whatever fires it how often. */
export const monthlyReportWorkflowId = (regionCode: string, month: string) => `monthly-report-${regionCode}-${month}`;
/** The Temporal Schedule that starts `monthlyReports` every day at 09:00 Asia/Shanghai. */
export const MONTHLY_REPORT_SCHEDULE_ID = 'monthly-reports';
