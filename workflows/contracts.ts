// The one contracts module (STYLE.md §2): every message of the two workflows, their argument
// and result types, and the failure types the API maps to HTTP statuses. The API imports
// these definitions; it never re-declares a message by name.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ClaimWindow } from './domain/policy.js';

export type { ClaimWindow, PolicySnapshot } from './domain/policy.js';

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
  scenario: CommitmentScenario;
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

/** Every stage of a case, in order; the API's schemas are derived from these lists. */
export const CASE_STAGES = ['submitted', 'credit-check', 'verifying', 'awaiting-decision', 'rejected', 'awaiting-materials', 'licensed', 'unrouted', 'supervising', 'revocation-pending', 'revoked', 'closed'] as const;
export type CaseStage = (typeof CASE_STAGES)[number];

export const COMMITMENT_SCENARIOS = ['deferred-materials', 'verification', 'post-verification'] as const;
export type CommitmentScenario = (typeof COMMITMENT_SCENARIOS)[number];
export const LICENCE_STATUSES = ['none', 'granted-on-commitment', 'issued', 'revoked'] as const;
export type LicenceStatus = (typeof LICENCE_STATUSES)[number];

export interface CaseRegistration {
  applicationNo: string;
  stage: CaseStage;
  route: Route;
  routeReason: string;
  scenario?: CommitmentScenario;
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
  licenceStatus: LicenceStatus;
}

/** 材料延期: the deferred materials arrived. */
export interface MaterialsArgs {
  materials: string[];
  actor: Actor;
}

/**
 * The approval department acts on a pending revocation (requested by supervision, or allowed
 * by an overdue commitment): revoke, or, for an overdue commitment where the policy allows,
 * extend the commitment deadline with a reason.
 */
export interface RevocationArgs {
  actor: Actor;
  action: 'revoke' | 'extend';
  reason: string;
  /** With extend: the new commitment deadline (ISO instant). */
  newDeadline?: string;
}

export interface RevocationResult {
  applicationNo: string;
  stage: CaseStage;
  licenceStatus: LicenceStatus;
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
export const materialsUpdate = defineUpdate<CaseState, [MaterialsArgs]>('materials');
export const revocationUpdate = defineUpdate<RevocationResult, [RevocationArgs]>('revocation');
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
  /** 事后核查: the task must verify the applicant's commitment. */
  verifyCommitment?: boolean;
  /** Carried over continue-as-new: the task resumes at a later phase. */
  resume?: TaskResume;
  /** The claim window the case's push (推送) opened: the task starts with its deadline (`SgDueAt`). */
  claimWindow: ClaimWindow;
}

/** State carried across continue-as-new between rectification rounds. */
export interface TaskResume {
  round: number;
  claimDueAt: string;
  claimedAt?: string;
  claimOverdue: boolean;
  /** The result that ordered this round: rectification or commitment-untrue. */
  cause: 'rectification' | 'commitment-untrue';
  rectificationDueAt: string;
}

export const TASK_STATUSES = ['awaiting-claim', 'claimed', 'awaiting-feedback', 'rectifying', 'awaiting-reinspection', 'closed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface TaskState {
  taskId: string;
  status: TaskStatus;
  claimDueAt: string;
  claimOverdue: boolean;
  claimedAt?: string;
  feedbackDueAt?: string;
  feedbackOverdue: boolean;
  result?: FeedbackResult;
  rectificationDueAt?: string;
  /** While awaiting re-inspection (复查): its deadline, re-timed by calendar imports. */
  reinspectionDueAt?: string;
  round?: number;
  outcome?: TaskOutcome;
}

/** How a task ended, as the case sees it. */
export const TASK_OUTCOMES = ['compliant', 'rectified', 'unreachable', 'revocation-requested'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

export const FEEDBACK_RESULTS = ['compliant', 'rectification', 'commitment-untrue', 'unreachable'] as const;
export type FeedbackResult = (typeof FEEDBACK_RESULTS)[number];

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
  /** With rectification: the deadline set in the order (ISO instant); else the policy's period. */
  rectificationDeadline?: string;
}

/** Re-inspection after a rectification deadline (复查). */
export interface ReinspectionArgs {
  actor: Actor;
  rectified: boolean;
  note: string;
  /** Not rectified but a further round is ordered: its deadline. Without it, revocation is requested. */
  rectificationDeadline?: string;
}

export interface SupervisionTaskResult {
  taskId: string;
  result: FeedbackResult;
  outcome?: TaskOutcome;
  departmentCode?: string;
  reason?: string;
}

export const claimUpdate = defineUpdate<TaskState, [ClaimArgs]>('claim');
export const inspectionUpdate = defineUpdate<TaskState, [InspectionArgs]>('inspection');
export const feedbackUpdate = defineUpdate<TaskState, [FeedbackArgs]>('feedback');
export const reinspectionUpdate = defineUpdate<TaskState, [ReinspectionArgs]>('reinspection');
export const taskStateQuery = defineQuery<TaskState>('taskState');
/** The SMS provider reported that a message of this task failed (delivery receipt). */
export const notificationFailedSignal = defineSignal<[{ businessKey: string; error?: string }]>('notificationFailed');
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
