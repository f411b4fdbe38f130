// A task as the API shows it: the inbox's rows, a task read, and every task action's answer.
import { z } from 'zod';
import type { FeedbackResult, TaskOutcome, TaskStatus } from '../../../workflows/contracts.js';
import type { TaskViewRow } from '../../../db/queries/tasks.js';
import { feedbackResult, iso, pick, taskOutcome, taskStatus } from '../../schemas.js';

export const taskView = z.object({
  taskId: z.string(),
  applicationNo: z.string(),
  departmentCode: z.string(),
  divisionCode: z.string(),
  supervisionItemCode: z.string().nullable(),
  applicantCreditCode: z.string(),
  status: taskStatus,
  pushedAt: z.string(),
  claimDueAt: z.string(),
  claimDueProvisional: z.boolean(),
  claimedAt: z.string().nullable(),
  claimedBy: z.string().nullable(),
  claimOverdue: z.boolean(),
  urgeAt: z.string().nullable().describe('set when the claim deadline passed unclaimed: when the urging notice (催办) goes out unless the task is claimed first'),
  inspectionFinishedAt: z.string().nullable(),
  feedbackDueAt: z.string().nullable(),
  feedbackAt: z.string().nullable(),
  feedbackOverdue: z.boolean(),
  result: feedbackResult.nullable(),
  resultNote: z.string().nullable(),
  rectificationRound: z.number().int(),
  rectificationDueAt: z.string().nullable(),
  reinspectionDueAt: z.string().nullable(),
  outcome: taskOutcome.nullable(),
});

export const view = (t: TaskViewRow): z.infer<typeof taskView> => ({
  ...pick(taskView, t),
  status: t.status as TaskStatus,
  result: t.result as FeedbackResult | null,
  outcome: t.outcome as TaskOutcome | null,
  pushedAt: t.pushedAt.toISOString(),
  claimDueAt: t.claimDueAt.toISOString(),
  claimedAt: iso(t.claimedAt),
  urgeAt: iso(t.urgeAt),
  inspectionFinishedAt: iso(t.inspectionFinishedAt),
  feedbackDueAt: iso(t.feedbackDueAt),
  feedbackAt: iso(t.feedbackAt),
  rectificationDueAt: iso(t.rectificationDueAt),
  reinspectionDueAt: iso(t.reinspectionDueAt),
});
