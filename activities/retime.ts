// Re-timing after a calendar import (调休): the deadline of the window a case or task waits in,
// again from the same start and rule as when it opened, under the calendar as it is now. The
// workflow names the window it waits in; when the deadline moved, the read model and the trail
// say so, once per import (the step's key carries the import id).
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditEvents, calendarImports, cases, tasks } from '../db/schema/index.js';
import { policyForItem, snapshotOf, type PolicySnapshot } from '../db/policies.js';
import { computeDeadline, type Deadline } from '../workflows/domain/deadlines.js';
import { formatShanghai } from '../workflows/domain/format.js';
import type { WorkingCalendar } from '../workflows/domain/working-days.js';
import type { Ctx } from './context.js';
import { claimDue, commitmentRule, feedbackDue } from './policy.js';
import { writeWithStep, type StepRecord } from './steps.js';

export interface Retimed {
  dueAt: string;
  remindAt: string | null;
  /** The deadline differs from the one given; `remindAt` is the reminder under the calendar now either way. */
  moved: boolean;
}

export async function importYear(db: Db, importId: number): Promise<number | undefined> {
  const [imp] = await db.select({ year: calendarImports.year }).from(calendarImports).where(eq(calendarImports.id, importId));
  return imp?.year;
}

/** The trail's step for a deadline an import moved, or made final (from = to, no longer provisional). */
export function movedStep(m: { key: string; applicationNo: string; taskId?: string; label: string; window: string; from: Date | string; to: string; provisional?: boolean; importId: number; year: number | undefined; detail?: Record<string, unknown> }): StepRecord {
  const from = new Date(m.from).toISOString();
  const because = m.year ? `calendar ${m.year} updated` : 'calendar updated';
  return {
    key: m.key,
    applicationNo: m.applicationNo,
    taskId: m.taskId,
    kind: 'deadline-moved',
    summary: from !== m.to ? `${m.label} moved from ${formatShanghai(from)} to ${formatShanghai(m.to)}: ${because}` : `${m.label} ${formatShanghai(m.to)} is now final: ${because}`,
    detail: { window: m.window, ...m.detail, from, to: m.to, ...(m.provisional !== undefined && { provisional: m.provisional }), importId: m.importId },
  };
}

type TaskRow = typeof tasks.$inferSelect;
interface TaskWindow {
  status: string;
  label: string;
  /** When the window opened (and the round it belongs to), or null when the row does not say. */
  opened(ctx: Ctx, task: TaskRow): Promise<{ at: Date; round?: number } | null>;
  due(calendar: WorkingCalendar, p: PolicySnapshot, from: Date): Deadline;
  /** The deadline on the row; `provisional` for the windows that keep the flag. */
  stored(task: TaskRow): { dueAt: Date | null; provisional?: boolean };
  columns(due: Deadline): Partial<typeof tasks.$inferInsert>;
}

const dateOrNull = (iso: string | null) => (iso ? new Date(iso) : null);

/** 复查: the same policy period from the moment the re-inspection became due, as openReinspection counted it. */
async function reinspectionOpened({ db }: Ctx, task: TaskRow) {
  const [opened] = await db
    .select({ at: auditEvents.at, detail: auditEvents.detail })
    .from(auditEvents)
    .where(and(eq(auditEvents.taskId, task.taskId), eq(auditEvents.kind, 'reinspection-due')))
    .orderBy(desc(auditEvents.id))
    .limit(1);
  return opened ? { at: opened.at, round: (opened.detail as { round?: number } | null)?.round ?? task.rectificationRound } : null;
}

const TASK_WINDOWS: Record<'claim' | 'feedback' | 'reinspection', TaskWindow> = {
  claim: {
    status: 'awaiting-claim',
    label: 'claim deadline',
    opened: async (_, t) => ({ at: t.pushedAt }),
    due: claimDue,
    stored: (t) => ({ dueAt: t.claimDueAt, provisional: t.claimDueProvisional }),
    columns: (d) => ({ claimDueAt: new Date(d.dueAt), claimDueProvisional: d.provisional, claimRemindAt: dateOrNull(d.remindAt) }),
  },
  feedback: {
    status: 'awaiting-feedback',
    label: 'feedback deadline',
    opened: async (_, t) => (t.inspectionFinishedAt ? { at: t.inspectionFinishedAt } : null),
    due: feedbackDue,
    stored: (t) => ({ dueAt: t.feedbackDueAt, provisional: t.feedbackDueProvisional }),
    columns: (d) => ({ feedbackDueAt: new Date(d.dueAt), feedbackDueProvisional: d.provisional, feedbackRemindAt: dateOrNull(d.remindAt) }),
  },
  reinspection: {
    status: 'awaiting-reinspection',
    label: 're-inspection deadline',
    opened: reinspectionOpened,
    due: feedbackDue,
    stored: (t) => ({ dueAt: t.reinspectionDueAt }),
    columns: (d) => ({ reinspectionDueAt: new Date(d.dueAt) }),
  },
};

/**
 * A task's deadline in the named window, again from the same start and policy. A task no
 * longer in that window (or without a policy) answers the input unchanged.
 */
export async function retimeTask(ctx: Ctx, input: { taskId: string; importId: number; window: 'claim' | 'feedback' | 'reinspection'; dueAt: string; remindAt: string | null }): Promise<Retimed> {
  const { db } = ctx;
  const unchanged = { dueAt: input.dueAt, remindAt: input.remindAt, moved: false };
  const w = TASK_WINDOWS[input.window];
  const [task] = await db.select().from(tasks).where(eq(tasks.taskId, input.taskId));
  if (!task?.policy || task.status !== w.status) return unchanged;
  const opened = await w.opened(ctx, task);
  const stored = w.stored(task);
  if (!opened || !stored.dueAt) return unchanged;
  const due = w.due(await ctx.calendar.current(), task.policy, opened.at);
  if (stored.dueAt.toISOString() !== due.dueAt || (stored.provisional !== undefined && stored.provisional !== due.provisional)) {
    const now = ctx.clock();
    const round = opened.round === undefined ? '' : `:${opened.round}`;
    const step = movedStep({
      key: `${task.taskId}:retimed:${input.window}${round}:${input.importId}`,
      applicationNo: task.applicationNo,
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

type CaseRow = typeof cases.$inferSelect;
interface CaseWindow {
  /** The trail's kinds that open the window; the latest counts. */
  opening: string[];
  label: string;
  due(ctx: Ctx, c: CaseRow, calendar: WorkingCalendar, opened: { at: Date; kind: string }): Promise<Deadline | null>;
  columns(due: Deadline): Partial<typeof cases.$inferInsert>;
}

const CASE_WINDOWS: Record<'decision' | 'commitment' | 'revocation', CaseWindow> = {
  decision: {
    opening: ['routed'],
    label: 'decision deadline',
    due: async (_, c, calendar, opened) => (c.decisionWindow ? computeDeadline(calendar, c.decisionWindow, opened.at, c.decisionWindow.amount, 1) : null),
    columns: (d) => ({ decisionDueAt: new Date(d.dueAt), decisionDueProvisional: d.provisional }),
  },
  commitment: {
    // An extended deadline is a fixed date, and stays.
    opening: ['commitment-opened', 'commitment-extended'],
    label: 'commitment deadline',
    async due({ db }, c, calendar, opened) {
      if (opened.kind !== 'commitment-opened' || !c.decidedAt) return null;
      const rule = await commitmentRule(db, c.itemCode);
      return computeDeadline(calendar, rule.unit, c.decidedAt, rule.period, 1);
    },
    columns: (d) => ({ commitmentDueAt: new Date(d.dueAt) }),
  },
  revocation: {
    opening: ['revocation-pending'],
    label: 'revocation decision deadline',
    due: async ({ db }, c, calendar, opened) => feedbackDue(calendar, snapshotOf(await policyForItem(db, c.itemCode)), opened.at),
    columns: () => ({}), // its deadline is on the trail, not in a column
  },
};

/**
 * The deadline of the window a case waits in: the decision window from routing, the
 * commitment period from the decision, the revocation decision from the moment it became
 * pending. `dueAt`/`remindAt`: the workflow's current ones, answered unchanged when nothing applies.
 */
export async function retimeCaseWindow(ctx: Ctx, input: { applicationNo: string; window: 'decision' | 'commitment' | 'revocation'; importId: number; dueAt: string; remindAt: string | null }): Promise<Retimed> {
  const { db } = ctx;
  const w = CASE_WINDOWS[input.window];
  const [c] = await db.select().from(cases).where(eq(cases.applicationNo, input.applicationNo));
  const [opened] = c
    ? await db.select({ at: auditEvents.at, kind: auditEvents.kind }).from(auditEvents).where(and(eq(auditEvents.applicationNo, input.applicationNo), inArray(auditEvents.kind, w.opening))).orderBy(desc(auditEvents.id)).limit(1)
    : [];
  const due = c && opened ? await w.due(ctx, c, await ctx.calendar.current(), opened) : null;
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
