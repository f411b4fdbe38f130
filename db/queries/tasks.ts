// The API's reads of supervision tasks: one task (its row, and its view with names and what the
// clock says), the inbox (a page and its capped total), a task's history, and the task scopes of
// a case. Lookups every request makes are prepared once per pool (db/client.ts preparedPerDb).
import { and, asc, count, eq, getTableColumns, inArray, sql, type SQLWrapper } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../client.js';
import { approvalItemVersions, approvalItems, auditEvents, cases, tasks } from '../schema/index.js';
import { claimMissed, feedbackMissed, nextDeadlineKind, nextDueAt, nextOverdue, type DeadlineKind } from './task-clock.js';

export type TaskRow = typeof tasks.$inferSelect;

/** The inbox counts its total up to this many: counting a department's whole history on every read would cost more than the page. */
export const INBOX_TOTAL_CAP = 1_000;

const byId = preparedPerDb((db) => db.select().from(tasks).where(eq(tasks.taskId, sql.placeholder('id'))).prepare('task_by_id'));

export async function taskById(db: Db, taskId: string): Promise<TaskRow | undefined> {
  return (await byId(db).execute({ id: taskId }))[0];
}

/** The approval item's name as the case's pinned version had it (a case keeps its version), else as it is now. */
export const pinnedItemName = sql<string | null>`coalesce(${approvalItemVersions.snapshot}->'item'->>'name', ${approvalItems.name})`;

/**
 * The columns a task view needs (the inbox leaves the policy snapshot and the findings behind):
 * the row's, the names a division reads it by (the applicant's and the item's, never the phone),
 * and what the clock says (db/queries/task-clock.ts) — `claimOverdue` and `feedbackOverdue`
 * included, so a deadline that passed reads missed before the workflow's timer has marked it.
 */
export const taskViewColumns = {
  taskId: tasks.taskId,
  origin: tasks.origin,
  originNo: tasks.originNo,
  applicationNo: tasks.applicationNo,
  departmentCode: tasks.departmentCode,
  divisionCode: tasks.divisionCode,
  supervisionItemCode: tasks.supervisionItemCode,
  supervisionItemVersion: tasks.supervisionItemVersion,
  policy: tasks.policy,
  applicantCreditCode: tasks.applicantCreditCode,
  applicantName: sql<string>`coalesce(${cases.applicantName}, ${tasks.applicantName}, '')`,
  itemCode: cases.itemCode,
  itemName: sql<string | null>`coalesce(${pinnedItemName}, ${tasks.subject})`,
  status: tasks.status,
  pushedAt: tasks.pushedAt,
  claimDueAt: tasks.claimDueAt,
  claimDueProvisional: tasks.claimDueProvisional,
  claimedAt: tasks.claimedAt,
  claimedBy: tasks.claimedBy,
  claimOverdue: claimMissed,
  urgeAt: tasks.urgeAt,
  inspectionDueAt: tasks.inspectionDueAt,
  inspectionFinishedAt: tasks.inspectionFinishedAt,
  feedbackDueAt: tasks.feedbackDueAt,
  feedbackAt: tasks.feedbackAt,
  feedbackOverdue: feedbackMissed,
  result: tasks.result,
  resultNote: tasks.resultNote,
  rectificationRound: tasks.rectificationRound,
  rectificationDueAt: tasks.rectificationDueAt,
  reinspectionDueAt: tasks.reinspectionDueAt,
  outcome: tasks.outcome,
  nextDeadlineKind,
  nextDueAt,
  nextOverdue,
};
export type TaskViewRow = Pick<TaskRow, Exclude<keyof typeof taskViewColumns, 'applicantName' | 'itemCode' | 'itemName' | 'nextDeadlineKind' | 'nextDueAt' | 'nextOverdue'>> & {
  applicantName: string;
  itemCode: string | null;
  itemName: string | null;
  nextDeadlineKind: DeadlineKind | null;
  nextDueAt: Date | null;
  nextOverdue: boolean;
};

/**
 * A task view's select: the task, its case if it came from one (the applicant's name) and the
 * case's item version (the item's name); a task of another origin keeps both on its row.
 */
const selectViews = (db: Db) =>
  db
    .select(taskViewColumns)
    .from(tasks)
    .leftJoin(cases, eq(cases.applicationNo, tasks.applicationNo))
    .leftJoin(approvalItemVersions, and(eq(approvalItemVersions.itemCode, cases.itemCode), eq(approvalItemVersions.version, cases.itemVersion)))
    .leftJoin(approvalItems, eq(approvalItems.code, cases.itemCode));

const viewById = preparedPerDb((db) => selectViews(db).where(eq(tasks.taskId, sql.placeholder('id'))).prepare('task_view_by_id'));

/** One task as the API shows it, read now. */
export async function taskViewById(db: Db, taskId: string): Promise<TaskViewRow | undefined> {
  return (await viewById(db).execute({ id: taskId }))[0];
}

export interface InboxFilter {
  department?: string;
  division?: string;
  status?: string;
  /** The kind of the deadline open now. */
  deadline?: DeadlineKind;
  /** Whether the deadline open now has passed, whatever its kind (a task with none is not overdue). */
  overdue?: boolean;
  applicationNo?: string;
  creditCode?: string;
}
const inboxColumns = {
  department: tasks.departmentCode,
  division: tasks.divisionCode,
  status: tasks.status,
  deadline: nextDeadlineKind,
  overdue: nextOverdue,
  applicationNo: tasks.applicationNo,
  creditCode: tasks.applicantCreditCode,
} satisfies Record<keyof InboxFilter, SQLWrapper>;
type InboxKey = keyof typeof inboxColumns;

/**
 * The inbox's two statements (the page, and the total counted up to INBOX_TOTAL_CAP), built once
 * per pool and combination of filters and prepared: the inbox is the most read route, and
 * building the SQL was a fifth of its CPU (docs/benchmarks.md). The page is in the order of the
 * next deadline, nearest first, tasks with none last, then by task id (a stable order to page by).
 */
const inboxStatements = preparedPerDb((db) => {
  const built = new Map<string, ReturnType<typeof prepare>>();
  function prepare(present: InboxKey[], name: string) {
    const filter = and(...present.map((k) => sql`${inboxColumns[k] as SQLWrapper} = ${sql.placeholder(k)}`));
    const order = [sql`${nextDueAt} asc nulls last`, asc(tasks.taskId)];
    // The page's ids from the tasks alone, then its names: joining (and reading the item
    // version's JSON) for the ≤ limit rows of the page, not for every task the filter matches.
    const pageIds = db.select({ taskId: tasks.taskId }).from(tasks).where(filter).orderBy(...order).limit(sql.placeholder('limit')).offset(sql.placeholder('offset'));
    return {
      page: selectViews(db).where(inArray(tasks.taskId, pageIds)).orderBy(...order).prepare(`inbox_${name}`),
      counted: db.select({ n: count() }).from(db.select({ one: sql`1` }).from(tasks).where(filter).limit(INBOX_TOTAL_CAP + 1).as('counted')).prepare(`inbox_total_${name}`),
    };
  }
  return (f: InboxFilter) => {
    const present = (Object.keys(inboxColumns) as InboxKey[]).filter((k) => f[k] !== undefined);
    const name = present.join('_') || 'all';
    let statements = built.get(name);
    if (!statements) built.set(name, (statements = prepare(present, name)));
    return statements;
  };
});

/** A page of the inbox, nearest next deadline first, and how many match (up to INBOX_TOTAL_CAP + 1). */
export async function inbox(db: Db, filter: InboxFilter, page: { limit: number; offset: number }): Promise<{ rows: TaskViewRow[]; total: number }> {
  const { page: pageStatement, counted } = inboxStatements(db)(filter);
  const params = { ...filter, ...page };
  const [rows, [total]] = await Promise.all([pageStatement.execute(params), counted.execute(params)]);
  return { rows, total: total?.n ?? 0 };
}

/** A task's audit events, oldest first. */
export function taskHistory(db: Db, taskId: string) {
  return db.select().from(auditEvents).where(eq(auditEvents.taskId, taskId)).orderBy(asc(auditEvents.at), asc(auditEvents.id));
}

/** Whole task rows whose overdue flags say what the clock says (task-clock.ts), for the views that show rows as they are. */
export const taskRowsAsOfNow = { ...getTableColumns(tasks), claimOverdue: claimMissed, feedbackOverdue: feedbackMissed };

/** The tasks of a case, by task id, their overdue flags as of now. */
export function tasksOfCase(db: Db, applicationNo: string): Promise<TaskRow[]> {
  return db.select(taskRowsAsOfNow).from(tasks).where(eq(tasks.applicationNo, applicationNo)).orderBy(asc(tasks.taskId));
}

/** The department and division of each task of a case: who supervises it. */
export function supervisorsOfCase(db: Db, applicationNo: string): Promise<Array<{ department: string; division: string }>> {
  return db.select({ department: tasks.departmentCode, division: tasks.divisionCode }).from(tasks).where(eq(tasks.applicationNo, applicationNo));
}

/** Whether the task still waits for its claim. */
export async function isAwaitingClaim(db: Db, taskId: string): Promise<boolean> {
  const [t] = await db.select({ status: tasks.status }).from(tasks).where(and(eq(tasks.taskId, taskId), eq(tasks.status, 'awaiting-claim')));
  return t !== undefined;
}

/** The running (not closed) tasks of an approval item at a department: what a reassignment of their linkage moves. */
export async function runningTasksOf(db: Db, itemCode: string, departmentCode: string): Promise<Array<{ taskId: string; applicationNo: string }>> {
  return db
    .select({ taskId: tasks.taskId, applicationNo: tasks.originNo })
    .from(tasks)
    .innerJoin(cases, eq(cases.applicationNo, tasks.applicationNo))
    .where(and(eq(cases.itemCode, itemCode), eq(tasks.departmentCode, departmentCode), sql`${tasks.status} <> 'closed'`))
    .orderBy(asc(tasks.taskId));
}
