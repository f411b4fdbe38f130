// The approval side's worklist: a department's cases, nearest deadline first, paged by the sort
// key (keyset, not offset: a page deep in the list costs what the first one does, and a case
// that moves between two reads neither repeats on the next page nor pushes one out of it), with
// the results supervision sent back (双向推送) and whether they were acknowledged. The deadline a
// case waits on is the generated column `cases.next_due_at` (db/schema/cases.ts).
import { and, asc, eq, exists, gt, gte, ilike, inArray, isNull, lt, not, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { approvalItems, auditEvents, cases, resultReceipts, type Actor } from '../schema/index.js';

export type ResultReceiptRow = typeof resultReceipts.$inferSelect;

export interface WorklistFilter {
  department?: string;
  stages?: string[];
  /** The next deadline falls before this instant. */
  dueBefore?: Date;
  /** Past its next deadline at `now` (true), or not (false: in time, or waiting on no deadline). */
  overdue?: boolean;
  itemCode?: string;
  creditCode?: string;
  /** Free text in the applicant's name. */
  name?: string;
  /** Has a result it has not acknowledged (true), or none (false). */
  unacknowledged?: boolean;
}

/** The sort key of a page's last row: its deadline to the microsecond (null: none) and its number. */
export interface WorklistKey {
  dueAt: string | null;
  applicationNo: string;
}

/** `%` and `_` (and the escape itself) match themselves: the text is searched for, not a pattern. */
const likeEscaped = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** After the key in the order `next_due_at` ascending, nulls last, then the application number. */
function after(k: WorklistKey): SQL {
  if (k.dueAt === null) return and(isNull(cases.nextDueAt), gt(cases.applicationNo, k.applicationNo))!;
  return or(sql`(${cases.nextDueAt}, ${cases.applicationNo}) > (${k.dueAt}::timestamptz, ${k.applicationNo})`, isNull(cases.nextDueAt))!;
}

const hasUnread = exists(sql`(select 1 from ${resultReceipts} where ${resultReceipts.applicationNo} = ${cases.applicationNo} and ${resultReceipts.acknowledgedAt} is null)`);

function conditions(f: WorklistFilter, now: string): Array<SQL | undefined> {
  const pastDue = lt(cases.nextDueAt, sql`${now}::timestamptz`);
  return [
    f.department === undefined ? undefined : eq(cases.approvalDepartmentCode, f.department),
    f.stages === undefined ? undefined : inArray(cases.stage, f.stages),
    f.dueBefore === undefined ? undefined : lt(cases.nextDueAt, sql`${f.dueBefore.toISOString()}::timestamptz`),
    f.overdue === undefined ? undefined : f.overdue ? pastDue : or(isNull(cases.nextDueAt), gte(cases.nextDueAt, sql`${now}::timestamptz`)),
    f.itemCode === undefined ? undefined : eq(cases.itemCode, f.itemCode),
    f.creditCode === undefined ? undefined : eq(cases.applicantCreditCode, f.creditCode),
    f.name === undefined ? undefined : ilike(cases.applicantName, likeEscaped(f.name)),
    f.unacknowledged === undefined ? undefined : f.unacknowledged ? hasUnread : not(hasUnread),
  ];
}

/**
 * A page of the worklist at `now` (the request's clock: a case past its deadline is overdue
 * whether or not its workflow has marked it), and the key to continue after it, null on the
 * last page. The phone is not read: the worklist does not show it.
 */
export async function worklist(db: Db, filter: WorklistFilter, page: { limit: number; after?: WorklistKey }, now: Date) {
  const at = now.toISOString();
  const rows = await db
    .select({
      applicationNo: cases.applicationNo,
      itemCode: cases.itemCode,
      itemName: approvalItems.name,
      creditCode: cases.applicantCreditCode,
      applicantName: cases.applicantName,
      stage: cases.stage,
      route: cases.route,
      licenceStatus: cases.licenceStatus,
      dueKind: cases.nextDueKind,
      dueAt: cases.nextDueAt,
      dueProvisional: cases.nextDueProvisional,
      // Microseconds, so the cursor's key is the row's exactly (a Date keeps milliseconds).
      dueKey: sql<string | null>`to_char(${cases.nextDueAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      overdue: sql<boolean>`coalesce(${cases.nextDueAt} < ${at}::timestamptz, false)`,
      submittedAt: cases.createdAt,
    })
    .from(cases)
    .leftJoin(approvalItems, eq(approvalItems.code, cases.itemCode))
    .where(and(...conditions(filter, at), page.after && after(page.after)))
    .orderBy(sql`${cases.nextDueAt} asc nulls last`, asc(cases.applicationNo))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const next = rows.length > page.limit && last ? { dueAt: last.dueKey, applicationNo: last.applicationNo } : null;
  return { rows: items, next, receipts: await receiptsOf(db, items.map((r) => r.applicationNo)) };
}
export type WorklistRow = Awaited<ReturnType<typeof worklist>>['rows'][number];

/** The result receipts of these cases, oldest first. */
async function receiptsOf(db: Db, applicationNos: string[]): Promise<ResultReceiptRow[]> {
  if (applicationNos.length === 0) return [];
  return db.select().from(resultReceipts).where(inArray(resultReceipts.applicationNo, applicationNos)).orderBy(asc(resultReceipts.receivedAt), asc(resultReceipts.taskId));
}

/**
 * The approval department acknowledges a result: once, by whoever comes first, on the case's
 * trail with the actor; a repeat answers the acknowledgement already made. Undefined when the
 * case has no result from that task.
 */
export async function acknowledgeResult(db: Db, input: { applicationNo: string; taskId: string; actor: Actor; at: Date }): Promise<ResultReceiptRow | undefined> {
  const { applicationNo, taskId, actor, at } = input;
  const ofCase = and(eq(resultReceipts.taskId, taskId), eq(resultReceipts.applicationNo, applicationNo));
  return db.transaction(async (tx) => {
    // The row lock orders simultaneous calls: the second finds it acknowledged and writes nothing.
    const [done] = await tx.update(resultReceipts).set({ acknowledgedAt: at, acknowledgedBy: actor }).where(and(ofCase, isNull(resultReceipts.acknowledgedAt))).returning();
    if (!done) return (await tx.select().from(resultReceipts).where(ofCase))[0];
    const summary = `result from ${done.departmentCode} acknowledged by ${actor.sub}: ${done.outcome} (${done.result})`;
    await tx
      .insert(auditEvents)
      .values({ eventKey: `${applicationNo}:result-acknowledged:${taskId}`, applicationNo, taskId, kind: 'result-acknowledged', summary, actor, detail: { outcome: done.outcome, result: done.result }, at })
      .onConflictDoNothing({ target: auditEvents.eventKey });
    return done;
  });
}
