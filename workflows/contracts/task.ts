// The supervisionTask messages: its input, statuses, updates and their results.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ClaimWindow } from '../domain/policy.js';
import type { Actor } from './common.js';

/**
 * What a task came from (docs/task-origins.md): an approval case (its dossier pushed with the
 * task), or work with no approval of ours — a complaint (投诉举报, issue #28) and, later, a
 * random inspection. The parent workflow that started the task receives its result.
 */
export const TASK_ORIGINS = ['approval', 'complaint', 'random-inspection'] as const;
export type TaskOriginKind = (typeof TASK_ORIGINS)[number];

export interface TaskOrigin {
  kind: TaskOriginKind;
  /**
   * The number of what the task came from — the application number, the complaint number — and
   * so the file (卷宗) its steps are on the trail under (audit_events.application_no).
   */
  no: string;
  /** The workflow the task reports to: its parent (`case-<applicationNo>`, `complaint-<complaintNo>`). */
  workflowId: string;
  /** approval: the dossier pushed with the task (a complaint has none). */
  dossierId?: number;
}

/** 检查结果记录表: one check item answered. */
export interface ChecklistAnswer {
  item: string;
  answer: 'pass' | 'fail' | 'not-applicable';
  note?: string;
}

/**
 * A random-inspection task (双随机, docs/random-inspections.md): the drawn target of a plan's
 * draw, the officers drawn for it (only they inspect and record), the check items of the
 * record form, and the plan's deadline (the period's last day, 24:00 Asia/Shanghai).
 */
export interface RandomInspection {
  drawId: string;
  ordinal: number;
  inspectors: string[];
  checkItems: string[];
  dueAt: string;
}

export interface SupervisionTaskInput {
  taskId: string;
  origin: TaskOrigin;
  departmentCode: string;
  divisionCode: string;
  supervisionItemCode?: string;
  creditCode: string;
  applicantName: string;
  /** The approval item (for a complaint: when the hotline named it, else absent). */
  itemCode?: string;
  /** What the task is about: the approval item's name, or the complaint's matter. */
  itemName: string;
  regionCode: string;
  /** 事后核查: the task must verify the applicant's commitment. */
  verifyCommitment?: boolean;
  /** Carried over continue-as-new: the task resumes at a later phase. */
  resume?: TaskResume;
  /** The claim window the case's push (推送) opened: the task starts with its deadline (`SgDueAt`). */
  claimWindow: ClaimWindow;
  /** origin random-inspection: the draw's target. */
  inspection?: RandomInspection;
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
  /** 委派: the officers the task is delegated to, carried into the next round. */
  delegation?: Delegation;
}

/**
 * 委派 (docs/delegation.md): the officers a division admin named for an ordinary task — staff
 * numbers only (inspectors.id), never a name: the directory keeps those. `seq` counts the
 * delegations of the task (1, 2, … — a re-delegation replaces the names).
 */
export interface Delegation {
  inspectors: string[];
  seq: number;
}

export interface DelegationArgs {
  actor: Actor;
  inspectors: string[];
  /** Why: required for a re-delegation (a change of the officers named). */
  reason?: string;
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
  /** 委派: the officers named, when the task is delegated. */
  delegatedTo?: string[];
}

/** How a task ended, as the case sees it. */
/** `transferred`: an arbiter reassigned the linkage; a task of the new department goes on in its place. */
export const TASK_OUTCOMES = ['compliant', 'rectified', 'unreachable', 'revocation-requested', 'transferred'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

export const FEEDBACK_RESULTS = ['compliant', 'rectification', 'commitment-untrue', 'unreachable'] as const;
export type FeedbackResult = (typeof FEEDBACK_RESULTS)[number];

export interface ClaimArgs {
  actor: Actor;
}

/**
 * A result recorded on another supervision platform (互联网+监管, market supervision, law
 * enforcement) and posted here: its own record id is the idempotency key, and the trail keeps it.
 */
export interface ExternalRecord {
  platform: string;
  recordId: string;
  /** sha-256 of the posted result: the same record id with another body is refused (409). */
  requestHash: string;
}

export interface InspectionArgs {
  actor: Actor;
  /** The inspection came with a result from another platform. */
  external?: ExternalRecord;
  /** ISO instant the supervision work finished; opens the 5-working-day feedback window. */
  finishedAt: string;
  findings: string;
}

/**
 * 包容免罚: what the inspector attests of a non-compliance — it is minor, it did no harm — and the
 * inclusive-list entry it names (else the region's entry covering the task's item). A first
 * offence and the correction in time are established from the record, never taken from here.
 */
export interface LeniencyClaim {
  entryCode?: string;
  minor: boolean;
  noHarm: boolean;
}

export interface FeedbackArgs {
  actor: Actor;
  /** With rectification: the facts for the inclusive list (包容免罚). */
  leniency?: LeniencyClaim;
  /** The result came from another platform: its record on the trail, and the key of its repeat. */
  external?: ExternalRecord;
  result: FeedbackResult;
  note: string;
  /** With rectification: the deadline set in the order (ISO instant); else the policy's period. */
  rectificationDeadline?: string;
  /** A random-inspection task: every check item of its record form answered (检查结果记录表). */
  checklist?: ChecklistAnswer[];
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
/** 委派: an Update, so the division admin learns at once whether the task can be delegated (its state, its origin). */
export const delegationUpdate = defineUpdate<TaskState, [DelegationArgs]>('delegation');
export const taskStateQuery = defineQuery<TaskState>('taskState');
/**
 * 移交: an arbiter's settlement reassigned the task's linkage; the case closes this task and
 * pushes a new one to the department named. A Signal: the case (a workflow) sends it and needs
 * no answer — the task's end comes back to it as the child's result.
 */
export interface TaskTransferArgs {
  /** The linkage an arbiter reassigned; none when a complaint was forwarded (转办). */
  linkageId?: number;
  toDepartment: string;
  toTaskId: string;
  actor: Actor;
  reason: string;
}
export const taskTransferSignal = defineSignal<[TaskTransferArgs]>('transfer');
/** The SMS provider reported that a message of this task failed (delivery receipt). */
export const notificationFailedSignal = defineSignal<[{ businessKey: string; error?: string }]>('notificationFailed');
