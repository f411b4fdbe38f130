// After a calendar import (调休): the decision deadlines of the read model re-timed here, and
// every running case or task whose deadline the change can touch told so by a signal; each
// workflow then re-times the window it waits in (retime.ts). A city has tens of thousands of
// waiting cases: the work goes by pages of PAGE rows in five phases (notices and complaints last), each page heartbeated with
// the cursor, so an attempt that times out or dies is resumed by the next where it was.
import { Context } from '@temporalio/activity';
import { and, asc, eq, gt, gte, inArray, or, sql, type SQL } from 'drizzle-orm';
import { auditEvents, calendarImports, cases, complaints, departmentNotices, tasks } from '../db/schema/index.js';
import { computeDeadline } from '../workflows/domain/deadlines.js';
import { calendarChangedSignal, complaintWorkflowId } from '../workflows/contracts.js';
import type { Ctx } from './context.js';
import { movedStep, writeWithStep } from './steps.js';

type Import = typeof calendarImports.$inferSelect;

export const PAGE = 200;
/** Signals in flight at once: the frontend answers each in a millisecond or two. */
export const SIGNALS_AT_ONCE = 20;

const PHASES = ['decisions', 'cases', 'tasks', 'notices', 'complaints'] as const;
export interface RetimeProgress {
  phase: (typeof PHASES)[number];
  /** The key of the last row done in this phase. */
  after: string;
  casesRetimed: number;
  casesSignalled: number;
  tasksSignalled: number;
  /** Department notices (docs/notices.md) awaiting their answer. */
  noticesSignalled?: number;
  /** Complaints (docs/complaints.md) awaiting their reply. */
  complaintsSignalled?: number;
}

/** A region's own days move only that region's deadlines; the national schedule every region's. */
const inRegion = (imp: Import): SQL | undefined => (imp.regionCode ? eq(cases.regionCode, imp.regionCode) : undefined);

/** Cases awaiting a decision whose deadline is on or after `since`, or still provisional. */
const decisionTouched = (since: Date) => and(eq(cases.stage, 'awaiting-decision'), or(gte(cases.decisionDueAt, since), eq(cases.decisionDueProvisional, true)));

/** Tells running workflows that the calendar changed, a few at a time; one that closed meanwhile has nothing to re-time. */
async function signalAll(ctx: Ctx, workflowIds: string[], imp: Import): Promise<void> {
  for (let i = 0; i < workflowIds.length; i += SIGNALS_AT_ONCE) {
    await Promise.all(
      workflowIds.slice(i, i + SIGNALS_AT_ONCE).map((id) =>
        ctx.temporal
          ?.workflow.getHandle(id)
          .signal(calendarChangedSignal, { importId: imp.id, year: imp.year })
          .catch((err: unknown) => {
            if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
          }),
      ),
    );
  }
}

/** One page of decision deadlines of the read model, again from routing; once per case and import. */
async function retimeDecisionPage(ctx: Ctx, imp: Import, since: Date, after: string): Promise<{ keys: string[]; done: number }> {
  const { db } = ctx;
  const page = await db
    .select({ c: cases, routedAt: auditEvents.at })
    .from(cases)
    .innerJoin(auditEvents, eq(auditEvents.eventKey, sql`${cases.applicationNo} || ':routed'`))
    .where(and(decisionTouched(since), inRegion(imp), gt(cases.applicationNo, after)))
    .orderBy(asc(cases.applicationNo))
    .limit(PAGE);
  const moved = await Promise.all(
    page.map(async ({ c, routedAt }) => {
      if (!c.decisionWindow || !c.decisionDueAt) return 0;
      const due = computeDeadline(await ctx.calendar.current(c.regionCode), c.decisionWindow, routedAt, c.decisionWindow.amount, 0);
      if (due.dueAt === c.decisionDueAt.toISOString() && due.provisional === c.decisionDueProvisional) return 0;
      const step = movedStep({ key: `${c.applicationNo}:retimed:decision:${imp.id}`, applicationNo: c.applicationNo, label: 'decision deadline', window: 'decision', from: c.decisionDueAt, to: due.dueAt, provisional: due.provisional, importId: imp.id, year: imp.year });
      await writeWithStep(db, db.update(cases).set({ decisionDueAt: new Date(due.dueAt), decisionDueProvisional: due.provisional }).where(eq(cases.applicationNo, c.applicationNo)), step, ctx.clock());
      return 1;
    }),
  );
  return { keys: page.map((r) => r.c.applicationNo), done: moved.reduce<number>((a, b) => a + b, 0) };
}

/** Cases waiting in a window the case workflow times (a repeated signal only re-computes the same deadline). */
const casesWaiting = (since: Date): SQL =>
  or(
    decisionTouched(since),
    and(eq(cases.stage, 'awaiting-materials'), gte(cases.commitmentDueAt, since)),
    eq(cases.stage, 'revocation-pending'), // every one: they are few, and a deadline that did not move writes nothing
  )!;

/** Open tasks whose deadline the change can touch; urgeAt: escalated, still waiting for its urging notice (催办). */
const tasksWaiting = (since: Date): SQL =>
  and(
    inArray(tasks.status, ['awaiting-claim', 'claimed', 'awaiting-feedback', 'rectifying', 'awaiting-reinspection']),
    or(gte(tasks.claimDueAt, since), gte(tasks.inspectionDueAt, since), gte(tasks.feedbackDueAt, since), gte(tasks.rectificationDueAt, since), gte(tasks.reinspectionDueAt, since), gte(tasks.urgeAt, since), eq(tasks.claimDueProvisional, true), eq(tasks.feedbackDueProvisional, true)),
  )!;

async function signalCasePage(ctx: Ctx, imp: Import, since: Date, after: string): Promise<string[]> {
  const page = await ctx.db.select({ key: cases.applicationNo, workflowId: cases.workflowId }).from(cases).where(and(casesWaiting(since), inRegion(imp), gt(cases.applicationNo, after))).orderBy(asc(cases.applicationNo)).limit(PAGE);
  await signalAll(ctx, page.map((c) => c.workflowId), imp);
  return page.map((c) => c.key);
}

async function signalTaskPage(ctx: Ctx, imp: Import, since: Date, after: string): Promise<string[]> {
  const page = await ctx.db.select({ key: tasks.taskId }).from(tasks).where(and(tasksWaiting(since), imp.regionCode ? eq(tasks.regionCode, imp.regionCode) : undefined, gt(tasks.taskId, after))).orderBy(asc(tasks.taskId)).limit(PAGE);
  const ids = page.map((t) => t.key);
  await signalAll(ctx, ids, imp);
  return ids;
}

/** Open department notices whose window the change can touch, in the import's region. */
async function signalNoticePage(ctx: Ctx, imp: Import, since: Date, after: string): Promise<string[]> {
  const waiting = and(inArray(departmentNotices.status, ['awaiting-claim', 'awaiting-acknowledgement']), or(gte(departmentNotices.dueAt, since), eq(departmentNotices.dueProvisional, true)));
  const page = await ctx.db.select({ key: departmentNotices.noticeId }).from(departmentNotices).where(and(waiting, imp.regionCode ? eq(departmentNotices.regionCode, imp.regionCode) : undefined, gt(departmentNotices.noticeId, after))).orderBy(asc(departmentNotices.noticeId)).limit(PAGE);
  const ids = page.map((n) => n.key);
  await signalAll(ctx, ids, imp);
  return ids;
}

/** Complaints awaiting their reply whose deadline the change can touch, in the import's region. */
async function signalComplaintPage(ctx: Ctx, imp: Import, since: Date, after: string): Promise<string[]> {
  const waiting = and(eq(complaints.status, 'assigned'), or(gte(complaints.replyDueAt, since), eq(complaints.replyDueProvisional, true)));
  const page = await ctx.db.select({ key: complaints.complaintNo }).from(complaints).where(and(waiting, imp.regionCode ? eq(complaints.regionCode, imp.regionCode) : undefined, gt(complaints.complaintNo, after))).orderBy(asc(complaints.complaintNo)).limit(PAGE);
  const nos = page.map((c) => c.key);
  await signalAll(ctx, nos.map(complaintWorkflowId), imp);
  return nos;
}

function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null; // called outside an activity (tests, scripts): nothing to heartbeat
  }
}

/**
 * After a calendar import: re-times the decision deadline of every case awaiting a decision
 * (a read-model deadline) and signals every open case and task whose deadline the change can
 * touch. Resumable: the progress is heartbeated per page, and a page done twice only
 * re-computes the same values (every write is keyed per case and import).
 */
export async function retimeAfterCalendarImport(ctx: Ctx, input: { importId: number }) {
  const [imp] = await ctx.db.select().from(calendarImports).where(eq(calendarImports.id, input.importId));
  if (!imp) return { tasksSignalled: 0, casesRetimed: 0, casesSignalled: 0, noticesSignalled: 0, complaintsSignalled: 0 };
  const earliest = imp.changedDates.length > 0 ? [...imp.changedDates].sort()[0]! : null;
  // A deadline on or after the first changed day, or any provisional one, may move.
  const since = earliest ? new Date(`${earliest}T00:00:00+08:00`) : new Date('9999-01-01T00:00:00Z');
  const activity = activityContext();
  const p: RetimeProgress = (activity?.info.heartbeatDetails as RetimeProgress | undefined) ?? { phase: 'decisions', after: '', casesRetimed: 0, casesSignalled: 0, tasksSignalled: 0 };
  for (;;) {
    let keys: string[];
    if (p.phase === 'decisions') {
      const r = await retimeDecisionPage(ctx, imp, since, p.after);
      keys = r.keys;
      p.casesRetimed += r.done;
    } else if (p.phase === 'cases') {
      keys = await signalCasePage(ctx, imp, since, p.after);
      p.casesSignalled += keys.length;
    } else if (p.phase === 'tasks') {
      keys = await signalTaskPage(ctx, imp, since, p.after);
      p.tasksSignalled += keys.length;
    } else if (p.phase === 'notices') {
      keys = await signalNoticePage(ctx, imp, since, p.after);
      p.noticesSignalled = (p.noticesSignalled ?? 0) + keys.length;
    } else {
      keys = await signalComplaintPage(ctx, imp, since, p.after);
      p.complaintsSignalled = (p.complaintsSignalled ?? 0) + keys.length;
    }
    if (keys.length > 0) p.after = keys[keys.length - 1]!;
    if (keys.length < PAGE) {
      const next = PHASES.indexOf(p.phase) + 1;
      if (next === PHASES.length) break;
      Object.assign(p, { phase: PHASES[next], after: '' });
    }
    activity?.heartbeat(p);
  }
  await ctx.db.update(calendarImports).set({ retimedAt: ctx.clock() }).where(eq(calendarImports.id, input.importId));
  return { tasksSignalled: p.tasksSignalled, casesRetimed: p.casesRetimed, casesSignalled: p.casesSignalled, noticesSignalled: p.noticesSignalled ?? 0, complaintsSignalled: p.complaintsSignalled ?? 0 };
}
