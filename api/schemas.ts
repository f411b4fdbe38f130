// Field schemas shared by the routes. Every string is bounded; unknown fields are rejected.
import { z } from 'zod';
import { checkCreditCode } from '../workflows/domain/credit-code.js';
import { CASE_STAGES, COMMITMENT_SCENARIOS, FEEDBACK_RESULTS, LICENCE_STATUSES, TASK_OUTCOMES, TASK_STATUSES } from '../workflows/contracts.js';

export const creditCode = z
  .string()
  .superRefine((value, ctx) => {
    const check = checkCreditCode(value);
    if (!check.ok) ctx.addIssue({ code: 'custom', message: `not a valid unified social credit code: ${check.reason}` });
  })
  .describe('统一社会信用代码, 18 characters, GB 32100-2015 check digit');

export const applicationNo = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/, '3-64 letters, digits, _ or -, starting with a letter or digit')
  .describe("the application number: its approval department's code, '-', then the department's own number (LYG-SPJ-2026-0001)");

/**
 * Application numbers are unique per approval department: each department numbers in its own
 * space, `<department code>-…`, so no department can take (squat) a number of another's. Null
 * when `no` is in `department`'s space, else why not.
 */
export function outsideNumberSpace(no: string, department: string | undefined): string | null {
  if (department && no.startsWith(`${department}-`) && no.length > department.length + 1) return null;
  const d = department ?? '(none)';
  return `department ${d} may number its applications only in its own space "${d}-…" (e.g. ${d}-2026-0001): numbers are unique per approval department`;
}

export const mobile = z.string().regex(/^1[3-9]\d{9}$/, 'an 11-digit mainland mobile number');
export const code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a code of letters, digits, _ . or -');
export const shortText = (max: number) => z.string().trim().min(1).max(max);
export const isoInstant = z.string().datetime({ offset: true }).describe('ISO 8601 instant with offset');

export const taskIdParam = z.object({ taskId: z.string().regex(/^task-[A-Za-z0-9_-]{3,64}\.[A-Za-z0-9_.-]{1,64}$/, 'a task id: task-<applicationNo>.<department>') });
export const applicationParam = z.object({ applicationNo });

export const pagination = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
};

/** An instant as ISO 8601, or null. */
export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** An actor as the audit trail records it. */
export const actorSchema = z
  .object({ sub: z.string(), role: z.string(), department: z.string().optional(), division: z.string().optional(), platform: z.string().optional().describe('role platform: which other platform'), hotline: z.string().optional().describe('role hotline: which hotline'), region: z.string().optional(), divisionAdmin: z.boolean().optional().describe('the division admin (处室负责人) of its division') })
  .meta({ id: 'Actor' });

/** The fields a response schema names, taken from a row: an answer holds what its contract says, nothing more. */
export function pick<S extends z.ZodRawShape, R extends { [K in keyof S]: unknown }>(schema: z.ZodObject<S>, row: R): { [K in keyof S]: R[K] } {
  return Object.fromEntries(Object.keys(schema.shape).map((k) => [k, row[k as keyof S]])) as { [K in keyof S]: R[K] };
}

// The contracts' lists as schemas: the routes never re-type a status, stage or result. A row of
// the read model is checked against them when it is answered.
export const caseStage = z.enum(CASE_STAGES).meta({ id: 'CaseStage' });
export const licenceStatus = z.enum(LICENCE_STATUSES).meta({ id: 'LicenceStatus' });
export const commitmentScenario = z.enum(COMMITMENT_SCENARIOS).meta({ id: 'CommitmentScenario' });
export const taskStatus = z.enum(TASK_STATUSES).meta({ id: 'TaskStatus' });
export const taskOutcome = z.enum(TASK_OUTCOMES).meta({ id: 'TaskOutcome' });
export const feedbackResult = z.enum(FEEDBACK_RESULTS).meta({ id: 'FeedbackResult' });

/** 检查结果记录表: one check item of a random inspection's record form, answered. */
export const checklistAnswer = z
  .object({ item: shortText(200).describe('the check item of the record form'), answer: z.enum(['pass', 'fail', 'not-applicable']), note: shortText(1000).optional() })
  .strict()
  .meta({ id: 'ChecklistAnswer' });
