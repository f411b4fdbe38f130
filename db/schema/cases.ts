// The read model of the loop: cases, dossiers, supervision tasks. Workflows are the source of
// truth for what happens next; these rows are what the API lists and what statistics count.
import { sql } from 'drizzle-orm';
import { pgTable, text, integer, boolean, jsonb, timestamp, bigserial, index, check, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { PolicySnapshot } from '../../workflows/domain/policy.js';
import type { deadlinePolicies } from './calendar.js';

/** What a case keeps of its item's terms from its submission (db/policies.ts caseTerms). */
export interface PinnedTerms {
  policy: Omit<typeof deadlinePolicies.$inferSelect, 'updatedAt'>;
  commitmentPeriodDays: number | null;
  statutoryDays: number;
}
import type { Actor } from './audit.js';

export interface ApplicantInfo {
  creditCode: string;
  name: string;
  phone: string;
}

export interface CreditResult {
  grade: 'A' | 'B' | 'C' | 'D';
  blacklisted: boolean;
  brokenCommitments: number;
  /** The joint-punishment measures (联合惩戒) that barred 告知承诺 at the pre-check. */
  jointPunishments?: Array<{ measureCode: string; name: string; decisionNo: string; endsAt: string }>;
  checkedAt: string;
}

export const cases = pgTable(
  'cases',
  {
    applicationNo: text('application_no').primaryKey(),
    workflowId: text('workflow_id').notNull().unique(),
    itemCode: text('item_code').notNull(),
    itemVersion: integer('item_version').notNull(),
    /** The confirmed linkages of the item when the case started (its pinned catalog version). */
    /** The item's terms as the case started with them (policy, commitment period): a catalog change never alters a running case. */
    pinnedTerms: jsonb('pinned_terms').$type<PinnedTerms>(),
    pinnedLinkages: jsonb('pinned_linkages').$type<Array<{ departmentCode: string; divisionCode: string; supervisionItemCode: string | null }>>(),
    approvalDepartmentCode: text('approval_department_code').notNull(),
    regionCode: text('region_code').notNull(),
    applicantCreditCode: text('applicant_credit_code').notNull(),
    applicantName: text('applicant_name').notNull(),
    applicantPhone: text('applicant_phone').notNull(),
    requestedRoute: text('requested_route').notNull(),
    // sha-256 of the submitted body: the same application number with another body is refused.
    requestHash: text('request_hash').notNull(),
    route: text('route'),
    routeReason: text('route_reason'),
    stage: text('stage').notNull(),
    creditResult: jsonb('credit_result').$type<CreditResult>(),
    decision: text('decision'),
    decisionOpinion: text('decision_opinion'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    licenceStatus: text('licence_status').notNull().default('none'),
    commitmentScenario: text('commitment_scenario'),
    commitmentDueAt: timestamp('commitment_due_at', { withTimezone: true }),
    /** kept, broken, or null while open / not a commitment case. */
    commitmentOutcome: text('commitment_outcome'),
    revocationReason: text('revocation_reason'),
    /** The approval department's deadline for a pending revocation (its window opens at openRevocation). */
    revocationDueAt: timestamp('revocation_due_at', { withTimezone: true }),
    revocationDueProvisional: boolean('revocation_due_provisional').notNull().default(false),
    decisionDueAt: timestamp('decision_due_at', { withTimezone: true }),
    decisionDueProvisional: boolean('decision_due_provisional').notNull().default(false),
    /** Statutory limit and policy unit the decision deadline was counted with. */
    decisionWindow: jsonb('decision_window').$type<{ amount: number; unit: 'working-day' | 'minute'; officeTime: string }>(),
    // The deadline the case waits on now, by its stage, kept by PostgreSQL so the worklist sorts
    // and pages by an index and no writer can forget it (docs/decisions.md, The worklist).
    nextDueKind: text('next_due_kind').generatedAlwaysAs(sql`case stage when 'awaiting-decision' then 'decision' when 'awaiting-materials' then 'commitment' when 'revocation-pending' then 'revocation' end`),
    nextDueAt: timestamp('next_due_at', { withTimezone: true }).generatedAlwaysAs(
      sql`case stage when 'awaiting-decision' then decision_due_at when 'awaiting-materials' then commitment_due_at when 'revocation-pending' then revocation_due_at end`,
    ),
    nextDueProvisional: boolean('next_due_provisional').generatedAlwaysAs(
      sql`case stage when 'awaiting-decision' then decision_due_provisional when 'revocation-pending' then revocation_due_provisional else false end`,
    ),
    submittedBy: text('submitted_by').notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    closeReason: text('close_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('cases_credit_code_idx').on(t.applicantCreditCode),
    index('cases_department_idx').on(t.approvalDepartmentCode, t.createdAt),
    // The worklist's order (nearest deadline first, none last, then the number), per department.
    index('cases_worklist_idx').on(t.approvalDepartmentCode, t.nextDueAt, t.applicationNo),
  ],
);

/**
 * 双向推送: each supervision task's result as the approval side received it (written with the
 * `result-received` step), and the approval department's acknowledgement of it.
 */
export const resultReceipts = pgTable(
  'result_receipts',
  {
    taskId: text('task_id').primaryKey(),
    applicationNo: text('application_no').notNull().references(() => cases.applicationNo),
    departmentCode: text('department_code').notNull(),
    /** How the task ended (compliant, rectified, unreachable, revocation-requested), else its result. */
    outcome: text('outcome').notNull(),
    result: text('result').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: jsonb('acknowledged_by').$type<Actor>(),
  },
  (t) => [index('result_receipts_application_idx').on(t.applicationNo, t.receivedAt)],
);

/** A material of the dossier: its name, and the stored file (documents.id) where it has one (the contracts' Material). */
export interface DossierMaterial {
  name: string;
  documentId?: string;
}

/** The dossier pushed to supervision: kept here, referenced by id in workflow payloads. */
export const dossiers = pgTable(
  'dossiers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    applicationNo: text('application_no').notNull().unique().references(() => cases.applicationNo),
    materials: jsonb('materials').$type<DossierMaterial[]>().notNull(),
    opinion: text('opinion'),
    commitmentText: text('commitment_text'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Which dossiers name a document (`materials @> '[{"documentId": …}]'`): who besides its owner may read it.
  (t) => [index('dossiers_materials_idx').using('gin', t.materials.op('jsonb_path_ops'))],
);

/** A task's next deadline whatever its kind, as an index expression (the inbox's sort key). */
const nextDueOf = (t: { status: AnyPgColumn; claimDueAt: AnyPgColumn; inspectionDueAt: AnyPgColumn; feedbackDueAt: AnyPgColumn; reinspectionDueAt: AnyPgColumn; rectificationDueAt: AnyPgColumn }) =>
  sql`(case ${t.status} when 'awaiting-claim' then ${t.claimDueAt} when 'claimed' then ${t.inspectionDueAt} when 'awaiting-feedback' then ${t.feedbackDueAt} when 'awaiting-reinspection' then ${t.reinspectionDueAt} when 'rectifying' then ${t.rectificationDueAt} end)`;

export const tasks = pgTable(
  'tasks',
  {
    taskId: text('task_id').primaryKey(), // task-<applicationNo>.<department>, task-<complaintNo>.<department>
    /** What the task came from (docs/task-origins.md): approval, complaint. */
    origin: text('origin').notNull().default('approval'),
    /** The origin's number (the application, the complaint): the file its trail is kept under. */
    originNo: text('origin_no').notNull(),
    /** The approval case, for a task that came from one (and only then). */
    applicationNo: text('application_no').references(() => cases.applicationNo),
    departmentCode: text('department_code').notNull(),
    divisionCode: text('division_code').notNull(),
    /** The case's region: its working-day calendar (a region's own days) times the task's windows. */
    regionCode: text('region_code').notNull(),
    supervisionItemCode: text('supervision_item_code'),
    /** The supervision item's version at the push: its terms (the inspection period) are that version's. */
    supervisionItemVersion: integer('supervision_item_version'),
    applicantCreditCode: text('applicant_credit_code').notNull(),
    /** Without a case (a complaint): the enterprise's name and what the task is about; a case's task reads both from its case. */
    applicantName: text('applicant_name'),
    subject: text('subject'),
    status: text('status').notNull(), // awaiting-claim, claimed, awaiting-feedback, closed
    /** The deadline policy as it was when the task was pushed (see db/policies.ts). */
    policy: jsonb('policy').$type<PolicySnapshot>(),
    pushedAt: timestamp('pushed_at', { withTimezone: true }).notNull(),
    claimDueAt: timestamp('claim_due_at', { withTimezone: true }).notNull(),
    claimDueProvisional: boolean('claim_due_provisional').notNull().default(false),
    claimRemindAt: timestamp('claim_remind_at', { withTimezone: true }),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    claimedBy: text('claimed_by'),
    claimOverdue: boolean('claim_overdue').notNull().default(false),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    /** When the formal urging notice (催办) goes out if the task is still unclaimed (set at the escalation; re-timed by calendar imports). */
    urgeAt: timestamp('urge_at', { withTimezone: true }),
    /** The inspection's deadline after the claim (the policy's inspection window, or the supervision item's). */
    inspectionDueAt: timestamp('inspection_due_at', { withTimezone: true }),
    inspectionFinishedAt: timestamp('inspection_finished_at', { withTimezone: true }),
    findings: text('findings'),
    feedbackDueAt: timestamp('feedback_due_at', { withTimezone: true }),
    feedbackDueProvisional: boolean('feedback_due_provisional').notNull().default(false),
    feedbackRemindAt: timestamp('feedback_remind_at', { withTimezone: true }),
    feedbackAt: timestamp('feedback_at', { withTimezone: true }),
    feedbackOverdue: boolean('feedback_overdue').notNull().default(false),
    result: text('result'),
    resultNote: text('result_note'),
    /** 整改: the order's deadline and round; then the re-inspection (复查) window. */
    rectificationRound: integer('rectification_round').notNull().default(0),
    rectificationDueAt: timestamp('rectification_due_at', { withTimezone: true }),
    reinspectionDueAt: timestamp('reinspection_due_at', { withTimezone: true }),
    /** How the task ended for the case: compliant, rectified, unreachable, revocation-requested. */
    outcome: text('outcome'),
    verifyCommitment: boolean('verify_commitment').notNull().default(false),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('tasks_inbox_idx').on(t.departmentCode, t.divisionCode, t.status, t.pushedAt),
    // The inbox's order, nearest next deadline first (db/queries/task-clock.ts nextDueAt: the same
    // expression, so the planner reads the page off the index instead of sorting every match).
    index('tasks_inbox_due_idx').on(t.departmentCode, t.divisionCode, nextDueOf(t), t.taskId),
    index('tasks_inbox_status_due_idx').on(t.departmentCode, t.divisionCode, t.status, nextDueOf(t), t.taskId),
    index('tasks_inbox_department_due_idx').on(t.departmentCode, nextDueOf(t), t.taskId),
    // The assessment figures' period (db/queries/task-period.ts periodTasks): a month out of years of tasks.
    index('tasks_pushed_idx').on(t.pushedAt),
    index('tasks_application_idx').on(t.applicationNo),
    index('tasks_origin_idx').on(t.origin, t.originNo),
    index('tasks_credit_code_idx').on(t.applicantCreditCode),
    // An approval task belongs to its case, filed under its number; a task of another origin to none.
    check('tasks_origin_case', sql`(${t.origin} = 'approval') = (${t.applicationNo} is not null) and (${t.applicationNo} is null or ${t.applicationNo} = ${t.originNo})`),
  ],
);
