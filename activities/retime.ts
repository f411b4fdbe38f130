// Re-timing after a calendar import (调休): the deadline of the window a case or task waits in,
// again from the same start and rule as when it opened, under the calendar as it is now. The
// workflow names the window it waits in; each phase module says how its window opened (a
// TaskWindow or CaseWindow next to the activity that opens it). When the deadline moved, the
// read model and the trail say so, once per import (the step's key carries the import id).
import { and, desc, eq, inArray } from 'drizzle-orm';
import { auditEvents, cases, tasks } from '../db/schema/index.js';
import type { PolicySnapshot } from '../db/policies.js';
import type { Deadline } from '../workflows/domain/deadlines.js';
import type { WorkingCalendar } from '../workflows/domain/working-days.js';
import type { Ctx } from './context.js';
import { importYear, movedStep, writeWithStep } from './steps.js';
import { decisionDeadline } from './case/routing.js';
import { commitmentDeadline } from './case/commitment.js';
import { revocationDeadline } from './case/revocation.js';
import { claimDeadline } from './task/claim.js';
import { feedbackDeadline, inspectionDeadline } from './task/inspection.js';
import { rectificationDeadline, reinspectionDeadline } from './task/rectification.js';

export interface Retimed {
  dueAt: string;
  remindAt: string | null;
  /** The deadline differs from the one given; `remindAt` is the reminder under the calendar now either way. */
  moved: boolean;
}

type TaskRow = typeof tasks.$inferSelect;
/** A task's window: the status it waits in, and how its deadline was counted. */
export interface TaskWindow {
  status: string;
  label: string;
  /** When the window opened (and the round it belongs to), or null when the row does not say. */
  opened(ctx: Ctx, task: TaskRow): Promise<{ at: Date; round?: number } | null>;
  due(calendar: WorkingCalendar, p: PolicySnapshot, from: Date): Deadline;
  /** The deadline on the row; `provisional` for the windows that keep the flag. */
  stored(task: TaskRow): { dueAt: Date | null; provisional?: boolean };
  columns(due: Deadline): Partial<typeof tasks.$inferInsert>;
}

type CaseRow = typeof cases.$inferSelect;
/** A case's window: the trail's kinds that open it (the latest counts), and how its deadline was counted. */
export interface CaseWindow {
  opening: string[];
  label: string;
  due(ctx: Ctx, c: CaseRow, calendar: WorkingCalendar, opened: { at: Date; kind: string }): Promise<Deadline | null>;
  columns(due: Deadline): Partial<typeof cases.$inferInsert>;
}

const TASK_WINDOWS = { claim: claimDeadline, inspection: inspectionDeadline, feedback: feedbackDeadline, rectification: rectificationDeadline, reinspection: reinspectionDeadline };
const CASE_WINDOWS = { decision: decisionDeadline, commitment: commitmentDeadline, revocation: revocationDeadline };

/**
 * A task's deadline in the named window, again from the same start and policy. A task no
 * longer in that window (or without a policy) answers the input unchanged.
 */
export async function retimeTask(ctx: Ctx, input: { taskId: string; importId: number; window: keyof typeof TASK_WINDOWS; dueAt: string; remindAt: string | null }): Promise<Retimed> {
  const { db } = ctx;
  const unchanged = { dueAt: input.dueAt, remindAt: input.remindAt, moved: false };
  const w: TaskWindow = TASK_WINDOWS[input.window];
  const [task] = await db.select().from(tasks).where(eq(tasks.taskId, input.taskId));
  if (!task?.policy || task.status !== w.status) return unchanged;
  const opened = await w.opened(ctx, task);
  const stored = w.stored(task);
  if (!opened || !stored.dueAt) return unchanged;
  const due = w.due(await ctx.calendar.current(task.regionCode), task.policy, opened.at);
  if (stored.dueAt.toISOString() !== due.dueAt || (stored.provisional !== undefined && stored.provisional !== due.provisional)) {
    const now = ctx.clock();
    const round = opened.round === undefined ? '' : `:${opened.round}`;
    const step = movedStep({
      key: `${task.taskId}:retimed:${input.window}${round}:${input.importId}`,
      applicationNo: task.originNo,
      taskId: task.taskId,
      label: w.label,
      window: input.window,
      from: stored.dueAt,
      to: due.dueAt,
      provisional: due.provisional,
      importId: input.importId,
      year: await importYear(db, input.importId),
      detail: opened.round === undefined ? undefined : { round: opened.round },
    });
    await writeWithStep(db, db.update(tasks).set({ ...w.columns(due), updatedAt: now }).where(eq(tasks.taskId, task.taskId)), step, now);
  }
  return { dueAt: due.dueAt, remindAt: due.remindAt, moved: due.dueAt !== input.dueAt };
}

/**
 * The deadline of the window a case waits in: the decision window from routing, the
 * commitment period from the decision, the revocation decision from the moment it became
 * pending. `dueAt`/`remindAt`: the workflow's current ones, answered unchanged when nothing applies.
 */
export async function retimeCaseWindow(ctx: Ctx, input: { applicationNo: string; window: keyof typeof CASE_WINDOWS; importId: number; dueAt: string; remindAt: string | null }): Promise<Retimed> {
  const { db } = ctx;
  const w: CaseWindow = CASE_WINDOWS[input.window];
  const [c] = await db.select().from(cases).where(eq(cases.applicationNo, input.applicationNo));
  const [opened] = c
    ? await db.select({ at: auditEvents.at, kind: auditEvents.kind }).from(auditEvents).where(and(eq(auditEvents.applicationNo, input.applicationNo), inArray(auditEvents.kind, w.opening))).orderBy(desc(auditEvents.id)).limit(1)
    : [];
  const due = c && opened ? await w.due(ctx, c, await ctx.calendar.current(c.regionCode), opened) : null;
  if (!due) return { dueAt: input.dueAt, remindAt: input.remindAt, moved: false };
  const moved = due.dueAt !== input.dueAt;
  if (moved) {
    const now = ctx.clock();
    // The same key as the read-model re-timing of retimeAfterCalendarImport: one step per import.
    const step = movedStep({ key: `${input.applicationNo}:retimed:${input.window}:${input.importId}`, applicationNo: input.applicationNo, label: w.label, window: input.window, from: input.dueAt, to: due.dueAt, provisional: due.provisional, importId: input.importId, year: await importYear(db, input.importId) });
    await writeWithStep(db, db.update(cases).set({ ...w.columns(due), updatedAt: now }).where(eq(cases.applicationNo, input.applicationNo)), step, now);
  }
  return { dueAt: due.dueAt, remindAt: due.remindAt, moved };
}
