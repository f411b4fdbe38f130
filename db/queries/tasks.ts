// The API's reads of supervision tasks: one task, the inbox (a page and its capped total), a
// task's history, and the task scopes of a case. Lookups every request makes are prepared once
// per pool (db/client.ts preparedPerDb).
import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../client.js';
import { auditEvents, tasks } from '../schema/index.js';

export type TaskRow = typeof tasks.$inferSelect;

/** The inbox counts its total up to this many: counting a department's whole history on every read would cost more than the page. */
export const INBOX_TOTAL_CAP = 1_000;

const byId = preparedPerDb((db) => db.select().from(tasks).where(eq(tasks.taskId, sql.placeholder('id'))).prepare('task_by_id'));

export async function taskById(db: Db, taskId: string): Promise<TaskRow | undefined> {
  return (await byId(db).execute({ id: taskId }))[0];
}

/** The columns a task view needs (the inbox leaves the policy snapshot and the findings behind). */
export const taskViewColumns = {
  taskId: tasks.taskId,
  applicationNo: tasks.applicationNo,
  departmentCode: tasks.departmentCode,
  divisionCode: tasks.divisionCode,
  supervisionItemCode: tasks.supervisionItemCode,
  applicantCreditCode: tasks.applicantCreditCode,
  status: tasks.status,
  pushedAt: tasks.pushedAt,
  claimDueAt: tasks.claimDueAt,
  claimDueProvisional: tasks.claimDueProvisional,
  claimedAt: tasks.claimedAt,
  claimedBy: tasks.claimedBy,
  claimOverdue: tasks.claimOverdue,
  urgeAt: tasks.urgeAt,
  inspectionFinishedAt: tasks.inspectionFinishedAt,
  feedbackDueAt: tasks.feedbackDueAt,
  feedbackAt: tasks.feedbackAt,
  feedbackOverdue: tasks.feedbackOverdue,
  result: tasks.result,
  resultNote: tasks.resultNote,
  rectificationRound: tasks.rectificationRound,
  rectificationDueAt: tasks.rectificationDueAt,
  reinspectionDueAt: tasks.reinspectionDueAt,
  outcome: tasks.outcome,
};
export type TaskViewRow = Pick<TaskRow, keyof typeof taskViewColumns>;

export interface InboxFilter {
  department?: string;
  division?: string;
  status?: string;
  overdue?: boolean;
  applicationNo?: string;
  creditCode?: string;
}
const inboxColumns = { department: tasks.departmentCode, division: tasks.divisionCode, status: tasks.status, overdue: tasks.claimOverdue, applicationNo: tasks.applicationNo, creditCode: tasks.applicantCreditCode } as const;
type InboxKey = keyof typeof inboxColumns;

/**
 * The inbox's two statements (the page, and the total counted up to INBOX_TOTAL_CAP), built once
 * per pool and combination of filters and prepared: the inbox is the most read route, and
 * building the SQL was a fifth of its CPU (docs/benchmarks.md).
 */
const inboxStatements = preparedPerDb((db) => {
  const built = new Map<string, ReturnType<typeof prepare>>();
  function prepare(present: InboxKey[], name: string) {
    const filter = and(...present.map((k) => eq(inboxColumns[k], sql.placeholder(k))));
    return {
      page: db.select(taskViewColumns).from(tasks).where(filter).orderBy(desc(tasks.pushedAt), asc(tasks.taskId)).limit(sql.placeholder('limit')).offset(sql.placeholder('offset')).prepare(`inbox_${name}`),
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

/** A page of the inbox, newest push first, and how many match (up to INBOX_TOTAL_CAP + 1). */
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

/** The tasks of a case, by task id. */
export function tasksOfCase(db: Db, applicationNo: string): Promise<TaskRow[]> {
  return db.select().from(tasks).where(eq(tasks.applicationNo, applicationNo)).orderBy(asc(tasks.taskId));
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
