// The one contracts module (STYLE.md §2): every message of the two workflows, their argument
// and result types, and the failure types the API maps to HTTP statuses. The API imports
// these definitions; it never re-declares a message by name.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const TASK_QUEUE_DEFAULT = 'shenguan';

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
  role: 'approval' | 'supervision' | 'regional-admin' | 'arbiter' | 'operator' | 'system';
  department?: string;
  division?: string;
}

export const SYSTEM_ACTOR: Actor = { sub: 'system', role: 'system' };

export interface Applicant {
  creditCode: string;
  name: string;
  phone: string;
}

export type RequestedRoute = 'auto' | 'standard' | 'commitment';
export type Route = 'standard' | 'commitment';

export interface CommitmentRequest {
  scenario: 'deferred-materials' | 'verification' | 'post-verification';
  deferredMaterials?: string[];
  text?: string;
}

// ─── approvalCase ────────────────────────────────────────────────────────────

export interface ApprovalCaseInput {
  applicationNo: string;
  itemCode: string;
  applicant: Applicant;
  materials: string[];
  route: RequestedRoute;
  commitment?: CommitmentRequest;
  /** sha-256 of the canonical request body: the same number with another body is a conflict. */
  requestHash: string;
  submittedBy: Actor;
}

export type CaseStage =
  | 'submitted'
  | 'credit-check'
  | 'awaiting-decision'
  | 'rejected'
  | 'licensed'
  | 'unrouted'
  | 'supervising'
  | 'closed';

export interface CaseRegistration {
  applicationNo: string;
  stage: CaseStage;
  route: Route;
  routeReason: string;
}

export interface CaseState {
  applicationNo: string;
  stage: CaseStage;
  route?: Route;
  routeReason?: string;
  decision?: 'approve' | 'reject';
  tasks: Array<{ taskId: string; departmentCode: string; status: 'open' | 'closed'; result?: string }>;
}

export interface SubmitArgs {
  requestHash: string;
}

export interface DecisionArgs {
  outcome: 'approve' | 'reject';
  opinion: string;
  actor: Actor;
}

export interface DecisionResult {
  applicationNo: string;
  stage: CaseStage;
  decision: 'approve' | 'reject';
  licenceStatus: 'issued' | 'none';
}

export interface ApprovalCaseResult {
  applicationNo: string;
  outcome: 'rejected' | 'closed';
  closeReason: string;
}

/** Answered once registration (credit pre-check and routing) is done. Update-with-start target. */
export const submitUpdate = defineUpdate<CaseRegistration, [SubmitArgs]>('submit');
export const decideUpdate = defineUpdate<DecisionResult, [DecisionArgs]>('decide');
export const caseStateQuery = defineQuery<CaseState>('caseState');
/** A linkage was confirmed for this case's item: an unrouted case tries to route again. */
export const linkagesChangedSignal = defineSignal<[{ itemCode: string }]>('linkagesChanged');

// ─── supervisionTask ─────────────────────────────────────────────────────────

export interface SupervisionTaskInput {
  taskId: string;
  applicationNo: string;
  caseWorkflowId: string;
  departmentCode: string;
  divisionCode: string;
  supervisionItemCode?: string;
  dossierId: number;
  creditCode: string;
  applicantName: string;
  itemCode: string;
  itemName: string;
  regionCode: string;
}

export type TaskStatus = 'awaiting-claim' | 'claimed' | 'awaiting-feedback' | 'closed';

export interface TaskState {
  taskId: string;
  status: TaskStatus;
  claimDueAt: string;
  claimOverdue: boolean;
  claimedAt?: string;
  feedbackDueAt?: string;
  feedbackOverdue: boolean;
  result?: FeedbackResult;
}

export type FeedbackResult = 'compliant' | 'rectification' | 'commitment-untrue' | 'unreachable';

export interface ClaimArgs {
  actor: Actor;
}

export interface InspectionArgs {
  actor: Actor;
  /** ISO instant the supervision work finished; opens the 5-working-day feedback window. */
  finishedAt: string;
  findings: string;
}

export interface FeedbackArgs {
  actor: Actor;
  result: FeedbackResult;
  note: string;
}

export interface SupervisionTaskResult {
  taskId: string;
  result: FeedbackResult;
}

export const claimUpdate = defineUpdate<TaskState, [ClaimArgs]>('claim');
export const inspectionUpdate = defineUpdate<TaskState, [InspectionArgs]>('inspection');
export const feedbackUpdate = defineUpdate<TaskState, [FeedbackArgs]>('feedback');
export const taskStateQuery = defineQuery<TaskState>('taskState');
/** A calendar import may have moved this task's open deadline: re-compute it (a system event, so a Signal). */
export const calendarChangedSignal = defineSignal<[{ importId: number; year: number }]>('calendarChanged');

// ─── calendarRetime ──────────────────────────────────────────────────────────

export interface CalendarRetimeInput {
  importId: number;
  year: number;
}
export const calendarRetimeWorkflowId = (importId: number) => `calendar-import-${importId}`;

// ─── ids ─────────────────────────────────────────────────────────────────────

/** Workflow ids carry the business key: starting the same application twice is one case. */
export const caseWorkflowId = (applicationNo: string) => `case-${applicationNo}`;
export const taskId = (applicationNo: string, departmentCode: string) => `task-${applicationNo}-${departmentCode}`;
