// A task as the API shows it: the inbox's rows, a task read, and every task action's answer.
import { z } from 'zod';
import { TASK_ORIGINS, type FeedbackResult, type TaskOriginKind, type TaskOutcome, type TaskStatus } from '../../../workflows/contracts.js';
import type { TaskViewRow } from '../../../db/queries/tasks.js';
import { DEADLINE_KINDS } from '../../../db/queries/task-clock.js';
import { feedbackResult, iso, pick, taskOutcome, taskStatus } from '../../schemas.js';

export const deadlineKind = z.enum(DEADLINE_KINDS);
export const taskOrigin = z.enum(TASK_ORIGINS).describe('what the task came from (docs/task-origins.md)').meta({ id: 'TaskOrigin' });

const nextDeadline = z
  .object({
    kind: deadlineKind,
    dueAt: z.string(),
    overdue: z.boolean().describe('the deadline has passed, by the clock (whether or not the workflow has marked it yet)'),
  })
  .nullable()
  .describe('the deadline the task waits under now: claim (awaiting-claim), inspection (claimed, when the policy or the supervision item sets one), feedback (awaiting-feedback), reinspection (awaiting-reinspection), rectification (rectifying, the applicant’s); null when closed')
  .meta({ id: 'TaskDeadline' });

/** The ladder every wait of the task climbs, from the policy it was pushed under (DOMAIN.md §4). */
const ladder = z
  .object({
    policy: z.string(),
    unit: z.enum(['working-day', 'minute']),
    claimWindow: z.number().int(),
    inspectionWindow: z.number().int().nullable(),
    feedbackWindow: z.number().int(),
    remindBefore: z.object({ claim: z.number().int(), feedback: z.number().int() }),
    escalateTo: z.array(z.enum(['department-head', 'coordinating-office'])).describe('a missed claim, inspection, feedback or re-inspection climbs to these, in order'),
  })
  .nullable()
  .meta({ id: 'Ladder' });

export const taskView = z.object({
  taskId: z.string(),
  origin: taskOrigin,
  originNo: z.string().describe('the number of what the task came from: the application number (origin approval), the complaint number (origin complaint)'),
  applicationNo: z.string().nullable().describe('the approval case the task came from; null for a task of another origin'),
  departmentCode: z.string(),
  divisionCode: z.string(),
  supervisionItemCode: z.string().nullable(),
  supervisionItemVersion: z.number().int().nullable().describe('the supervision item version the task was pushed under'),
  ladder,
  applicantCreditCode: z.string(),
  applicantName: z.string(),
  itemCode: z.string().nullable().describe('the approval item; null for a task without a case'),
  itemName: z.string().nullable().describe("the approval item's name (主项名称) as the case's item version had it; for a complaint, its matter"),
  status: taskStatus,
  nextDeadline,
  pushedAt: z.string(),
  claimDueAt: z.string(),
  claimDueProvisional: z.boolean(),
  claimedAt: z.string().nullable(),
  claimedBy: z.string().nullable(),
  claimOverdue: z.boolean().describe('the claim deadline was missed: marked by the workflow, or by the clock (unclaimed after it, or claimed after it)'),
  urgeAt: z.string().nullable().describe('set when the claim deadline passed unclaimed: when the urging notice (催办) goes out unless the task is claimed first'),
  inspectionDueAt: z.string().nullable(),
  inspectionFinishedAt: z.string().nullable(),
  feedbackDueAt: z.string().nullable(),
  feedbackAt: z.string().nullable(),
  feedbackOverdue: z.boolean().describe('the feedback or re-inspection deadline was missed: marked by the workflow, or by the clock'),
  result: feedbackResult.nullable(),
  resultNote: z.string().nullable(),
  rectificationRound: z.number().int(),
  rectificationDueAt: z.string().nullable(),
  reinspectionDueAt: z.string().nullable(),
  outcome: taskOutcome.nullable(),
}).meta({ id: 'Task' });

export const view = (t: TaskViewRow): z.infer<typeof taskView> => ({
  ...pick(taskView, { ...t, nextDeadline: null, ladder: null }),
  ladder: t.policy
    ? { policy: t.policy.code, unit: t.policy.unit, claimWindow: t.policy.claimWindow, inspectionWindow: t.policy.inspectionWindow ?? null, feedbackWindow: t.policy.feedbackWindow, remindBefore: { claim: t.policy.claimRemindBefore, feedback: t.policy.feedbackRemindBefore }, escalateTo: t.policy.claimEscalateTo }
    : null,
  origin: t.origin as TaskOriginKind,
  status: t.status as TaskStatus,
  result: t.result as FeedbackResult | null,
  outcome: t.outcome as TaskOutcome | null,
  nextDeadline: t.nextDeadlineKind && t.nextDueAt ? { kind: t.nextDeadlineKind, dueAt: t.nextDueAt.toISOString(), overdue: t.nextOverdue } : null,
  pushedAt: t.pushedAt.toISOString(),
  claimDueAt: t.claimDueAt.toISOString(),
  claimedAt: iso(t.claimedAt),
  urgeAt: iso(t.urgeAt),
  inspectionDueAt: iso(t.inspectionDueAt),
  inspectionFinishedAt: iso(t.inspectionFinishedAt),
  feedbackDueAt: iso(t.feedbackDueAt),
  feedbackAt: iso(t.feedbackAt),
  rectificationDueAt: iso(t.rectificationDueAt),
  reinspectionDueAt: iso(t.reinspectionDueAt),
});
