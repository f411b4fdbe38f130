// Deadlines under a policy: working days by the legal convention, or minutes for the training
// policy (so staff can rehearse the whole loop in an afternoon). Pure.
import { WorkingCalendar, dateOf, dayOf, endOfShanghaiDay, shanghaiDayOf, shanghaiTimeOn, yearOf } from './working-days.js';

export interface PolicyUnit {
  unit: 'working-day' | 'minute';
  officeTime: string;
}

export interface Deadline {
  dueAt: string; // ISO instant
  provisional: boolean;
  /** When to remind, or null when the reminder time has no room before the deadline. */
  remindAt: string | null;
  /** Human phrase for summaries: "3 working days", "3 minutes (training)". */
  period: string;
}

export function computeDeadline(calendar: WorkingCalendar, policy: PolicyUnit, from: Date, amount: number, remindBefore = 1): Deadline {
  if (policy.unit === 'minute') {
    const due = new Date(from.getTime() + amount * 60_000);
    const remind = remindBefore > 0 && remindBefore < amount ? new Date(due.getTime() - remindBefore * 60_000).toISOString() : null;
    return { dueAt: due.toISOString(), provisional: false, remindAt: remind, period: `${amount} minute${amount === 1 ? '' : 's'} (training)` };
  }
  const d = calendar.deadline(from, amount);
  let remindAt: string | null = null;
  if (remindBefore > 0) {
    // The working day `remindBefore` days before the last day, at office hours; only when that
    // is after the period started (a 1-day window has no "day before" to remind on).
    let day = dayOf(d.dueDate);
    for (let i = 0; i < remindBefore; i++) day = calendar.workingDayBefore(day);
    if (day > shanghaiDayOf(from)) remindAt = shanghaiTimeOn(day, policy.officeTime).toISOString();
  }
  return { dueAt: d.dueAt.toISOString(), provisional: d.provisional, remindAt, period: `${amount} working day${amount === 1 ? '' : 's'}` };
}

/** Minutes after a missed training deadline before its urging notice (a working day, compressed). */
export const TRAINING_URGE_AFTER_MINUTES = 10;

/**
 * When the formal urging notice (催办) of a missed deadline is due: office time on the first
 * working day after the deadline's last day (a deadline is 24:00 of that day). For the
 * training policy, TRAINING_URGE_AFTER_MINUTES after the deadline.
 */
export function urgeAfter(calendar: WorkingCalendar, policy: PolicyUnit, dueAt: Date): string {
  if (policy.unit === 'minute') return new Date(dueAt.getTime() + TRAINING_URGE_AFTER_MINUTES * 60_000).toISOString();
  const lastDay = shanghaiDayOf(new Date(dueAt.getTime() - 1));
  return shanghaiTimeOn(calendar.nthWorkingDayAfter(lastDay, 1), policy.officeTime).toISOString();
}

/**
 * 截止前一天 (seed 003 §8): office time on the calendar day before a deadline's last day — the
 * applicant is reminded of deferred materials the day before, a weekend or a holiday included.
 * Minutes (the rehearsal policy): a minute before. Null when that is not after `from`.
 */
export function dayBeforeReminder(policy: PolicyUnit, deadline: Date, from: Date): string | null {
  const at = policy.unit === 'minute' ? new Date(deadline.getTime() - 60_000) : shanghaiTimeOn(shanghaiDayOf(new Date(deadline.getTime() - 1)) - 1, policy.officeTime);
  return at.getTime() > from.getTime() ? at.toISOString() : null;
}

/**
 * A period of calendar months by 民法典 arts. 200–203 (a rectification period of "one month",
 * seed 002): the start day is not counted; the period ends on the corresponding day of the
 * last month, or that month's last day when it has none (Jan 31 + 1 month: Feb 28/29); a last
 * day that is a rest day (a weekend or a statutory holiday) moves to the next working day; the
 * deadline is 24:00 Asia/Shanghai of it. Provisional when that year's schedule is not published.
 */
export function monthsDeadline(calendar: WorkingCalendar, from: Date, months: number): Deadline {
  let last = correspondingDay(from, months);
  while (!calendar.isWorkingDay(last)) last++;
  return { dueAt: endOfShanghaiDay(last).toISOString(), provisional: !calendar.isPublished(yearOf(last)), remindAt: null, period: `${months} month${months === 1 ? '' : 's'}` };
}

/** The Shanghai day `months` calendar months after `from`'s: the corresponding day, or that month's last. */
function correspondingDay(from: Date, months: number): number {
  const [y, m, d] = dateOf(shanghaiDayOf(from)).split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + months;
  const [ty, tm] = [Math.floor(index / 12), (index % 12) + 1];
  const lastOfMonth = new Date(Date.UTC(ty, tm, 0)).getUTCDate();
  return dayOf(`${String(ty).padStart(4, '0')}-${String(tm).padStart(2, '0')}-${String(Math.min(d, lastOfMonth)).padStart(2, '0')}`);
}

/**
 * The end of a period of calendar months that is no procedural deadline (a joint-punishment
 * measure's 惩戒期限): 24:00 Asia/Shanghai of the corresponding day, a rest day not moved.
 */
export function monthsPeriodEnd(from: Date, months: number): Date {
  return endOfShanghaiDay(correspondingDay(from, months));
}
