// The deadline rules of every window, and every fallback of a policy, in one place: a task
// keeps the policy it was pushed under (its snapshot); a case counts from the terms pinned at its submission.
import { eq, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../db/client.js';
import { tasks } from '../db/schema/index.js';
import { calendarVersionColumn } from '../db/calendar.js';
import { caseTerms, snapshotOf, type DeadlinePolicy, type PolicySnapshot } from '../db/policies.js';
import { computeDeadline, monthsDeadline, type Deadline, type PolicyUnit } from '../workflows/domain/deadlines.js';
import type { WorkingCalendar } from '../workflows/domain/working-days.js';

/** The task's policy and the calendar version of the same moment, in one statement. */
export const taskPolicy = preparedPerDb((db) =>
  db.select({ policy: tasks.policy, regionCode: tasks.regionCode, calendarVersion: calendarVersionColumn }).from(tasks).where(eq(tasks.taskId, sql.placeholder('id'))).prepare('task_policy'),
);

/** What a task's later windows count with. */
export type TaskTerms = PolicyUnit & Pick<PolicySnapshot, 'feedbackWindow' | 'feedbackRemindBefore' | 'rectificationPeriod' | 'rectificationMonths'>;

/**
 * A task's terms, for a task row that may lack its policy snapshot: office hours from 09:00 on
 * working days, feedback (and re-inspection) within 5 working days, rectification within 22.
 */
export function policyOf(task: { policy: PolicySnapshot | null } | undefined): TaskTerms {
  const p = task?.policy;
  return {
    unit: p?.unit ?? 'working-day',
    officeTime: p?.officeTime ?? '09:00',
    feedbackWindow: p?.feedbackWindow ?? 5,
    feedbackRemindBefore: p?.feedbackRemindBefore ?? 1,
    rectificationPeriod: p?.rectificationPeriod ?? 22,
    rectificationMonths: p?.rectificationMonths ?? null,
  };
}

/** The rectification period from an order: calendar months where the policy says so (民法典 arts. 200–203), else its days. */
export function rectificationDue(calendar: WorkingCalendar, t: TaskTerms, from: Date): Deadline {
  return t.rectificationMonths && t.unit !== 'minute' ? monthsDeadline(calendar, from, t.rectificationMonths) : computeDeadline(calendar, t, from, t.rectificationPeriod, 0);
}

/** The policy a task keeps, else (a row without its snapshot) the case's pinned one. */
export async function taskPolicyOrItems(db: Db, task: { policy: PolicySnapshot | null } | undefined, applicationNo: string): Promise<PolicySnapshot> {
  if (task?.policy) return task.policy;
  return snapshotOf((await caseTerms(db, applicationNo)).policy);
}

/** The claim window (认领) under a policy, from the push. */
export function claimDue(calendar: WorkingCalendar, p: PolicySnapshot, from: Date) {
  return computeDeadline(calendar, p, from, p.claimWindow, p.claimRemindBefore);
}

/** The feedback window: also the re-inspection's (复查) and the revocation decision's. */
export function feedbackDue(calendar: WorkingCalendar, p: PolicyUnit & Pick<PolicySnapshot, 'feedbackWindow' | 'feedbackRemindBefore'>, from: Date) {
  return computeDeadline(calendar, p, from, p.feedbackWindow, p.feedbackRemindBefore);
}

/** The statutory decision window: the policy's limit, else the item's statutory days. */
export function decisionWindow(policy: DeadlinePolicy | undefined, statutoryDays: number) {
  return { amount: policy?.statutoryLimit ?? statutoryDays, unit: (policy?.unit ?? 'working-day') as PolicyUnit['unit'], officeTime: policy?.officeTime ?? '09:00' };
}

/** 材料延期: the item's commitment period (the policy's, else the item's, else 20 working days). */
export async function commitmentRule(db: Db, applicationNo: string) {
  const { policy, regionCode, commitmentPeriodDays, calendarVersion } = await caseTerms(db, applicationNo);
  const unit: PolicyUnit = { unit: policy.unit as PolicyUnit['unit'], officeTime: policy.officeTime };
  return { policy, unit, period: policy.commitmentPeriod ?? commitmentPeriodDays ?? 20, regionCode, calendarVersion };
}
