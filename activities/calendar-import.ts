// After a calendar import (调休): the decision deadlines of the read model re-timed here, and
// every running case or task whose deadline the change can touch told so by a signal; each
// workflow then re-times the window it waits in (retime.ts).
import { Context } from '@temporalio/activity';
import { and, asc, eq, gt, gte, inArray, or } from 'drizzle-orm';
import { auditEvents, calendarImports, cases, tasks } from '../db/schema/index.js';
import { computeDeadline } from '../workflows/domain/deadlines.js';
import { calendarChangedSignal } from '../workflows/contracts.js';
import type { Ctx } from './context.js';
import { movedStep, writeWithStep } from './steps.js';

type Import = typeof calendarImports.$inferSelect;

/** Cases awaiting a decision whose deadline is on or after `since`, or still provisional. */
const decisionTouched = (since: Date) => and(eq(cases.stage, 'awaiting-decision'), or(gte(cases.decisionDueAt, since), eq(cases.decisionDueProvisional, true)));

/** Tells a running case or task that the calendar changed; one that closed meanwhile has nothing to re-time. */
async function signalCalendarChanged(ctx: Ctx, workflowId: string, imp: Import) {
  await ctx.temporal
    ?.workflow.getHandle(workflowId)
    .signal(calendarChangedSignal, { importId: imp.id, year: imp.year })
    .catch((err: unknown) => {
      if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
    });
}

/** The decision deadline of the read model, again from routing; once per case and import. */
async function retimeDecisions(ctx: Ctx, imp: Import, since: Date): Promise<number> {
  const { db } = ctx;
  const calendar = await ctx.calendar.current();
  let retimed = 0;
  for (const c of await db.select().from(cases).where(decisionTouched(since))) {
    if (!c.decisionWindow || !c.decisionDueAt) continue;
    const [routed] = await db.select({ at: auditEvents.at }).from(auditEvents).where(eq(auditEvents.eventKey, `${c.applicationNo}:routed`));
    if (!routed) continue;
    const due = computeDeadline(calendar, c.decisionWindow, routed.at, c.decisionWindow.amount, 0);
    if (due.dueAt === c.decisionDueAt.toISOString() && due.provisional === c.decisionDueProvisional) continue;
    const step = movedStep({ key: `${c.applicationNo}:retimed:decision:${imp.id}`, applicationNo: c.applicationNo, label: 'decision deadline', window: 'decision', from: c.decisionDueAt, to: due.dueAt, provisional: due.provisional, importId: imp.id, year: imp.year });
    await writeWithStep(db, db.update(cases).set({ decisionDueAt: new Date(due.dueAt), decisionDueProvisional: due.provisional }).where(eq(cases.applicationNo, c.applicationNo)), step, ctx.clock());
    retimed++;
  }
  return retimed;
}

/** Cases waiting in a window the case workflow times: few at any time, and a repeated signal only re-computes the same deadline. */
async function signalCases(ctx: Ctx, imp: Import, since: Date): Promise<number> {
  const waiting = await ctx.db
    .select({ workflowId: cases.workflowId })
    .from(cases)
    .where(
      or(
        decisionTouched(since),
        and(eq(cases.stage, 'awaiting-materials'), gte(cases.commitmentDueAt, since)),
        eq(cases.stage, 'revocation-pending'), // its deadline is on the trail, not in a column
      ),
    );
  for (const c of waiting) await signalCalendarChanged(ctx, c.workflowId, imp);
  return waiting.length;
}

/** Open tasks, by pages of 200 with the progress heartbeated, so a retried attempt resumes where it was. */
async function signalTasks(ctx: Ctx, imp: Import, since: Date): Promise<number> {
  let activity: Context | null = null;
  try {
    activity = Context.current();
  } catch {
    // called outside an activity (tests, scripts): nothing to heartbeat
  }
  let after = (activity?.info.heartbeatDetails as string | undefined) ?? '';
  let signalled = 0;
  for (;;) {
    const page = await ctx.db
      .select({ taskId: tasks.taskId })
      .from(tasks)
      .where(
        and(
          gt(tasks.taskId, after),
          inArray(tasks.status, ['awaiting-claim', 'awaiting-feedback', 'awaiting-reinspection']),
          // urgeAt: an escalated task still waiting for its urging notice (催办).
          or(gte(tasks.claimDueAt, since), gte(tasks.feedbackDueAt, since), gte(tasks.reinspectionDueAt, since), gte(tasks.urgeAt, since), eq(tasks.claimDueProvisional, true), eq(tasks.feedbackDueProvisional, true)),
        ),
      )
      .orderBy(asc(tasks.taskId))
      .limit(200);
    if (page.length === 0) return signalled;
    for (const t of page) await signalCalendarChanged(ctx, t.taskId, imp);
    signalled += page.length;
    after = page[page.length - 1]!.taskId;
    activity?.heartbeat(after);
  }
}

/**
 * After a calendar import: re-times the decision deadline of every case awaiting a decision
 * (a read-model deadline) and signals every open case and task whose deadline the change can
 * touch. Resumable: progress is heartbeated, and a repeated signal only re-computes the same value.
 */
export async function retimeAfterCalendarImport(ctx: Ctx, input: { importId: number }) {
  const [imp] = await ctx.db.select().from(calendarImports).where(eq(calendarImports.id, input.importId));
  if (!imp) return { tasksSignalled: 0, casesRetimed: 0, casesSignalled: 0 };
  const earliest = imp.changedDates.length > 0 ? [...imp.changedDates].sort()[0]! : null;
  // A deadline on or after the first changed day, or any provisional one, may move.
  const since = earliest ? new Date(`${earliest}T00:00:00+08:00`) : new Date('9999-01-01T00:00:00Z');
  const casesRetimed = await retimeDecisions(ctx, imp, since);
  const casesSignalled = await signalCases(ctx, imp, since);
  const tasksSignalled = await signalTasks(ctx, imp, since);
  await ctx.db.update(calendarImports).set({ retimedAt: ctx.clock() }).where(eq(calendarImports.id, input.importId));
  return { tasksSignalled, casesRetimed, casesSignalled };
}
