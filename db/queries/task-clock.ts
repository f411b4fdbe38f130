// What the clock says about a task, computed by the database (`now()`) when it is read: its next
// deadline whatever its kind, and whether a deadline has passed. The workflow's timers drive what
// a missed deadline DOES (the overdue mark on the row, notices, escalation); the read model does
// not wait for them to tell the time, so a task reads overdue from the instant its deadline
// passes, even while the worker is stopped or behind (docs/decisions.md, "The supervision side's
// day"). Only constants are written literally here: these expressions go into statements built
// once (db/client.ts preparedPerDb), and `now()` is evaluated at each execution.
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { tasks } from '../schema/index.js';

/** The kinds of deadline a task waits under; an inbox row names the one open now. */
export const DEADLINE_KINDS = ['claim', 'inspection', 'feedback', 'reinspection', 'rectification'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

/**
 * The status (workflows/contracts TASK_STATUSES; db/ does not import the contracts) in which each
 * kind of deadline is open, and its column. A claimed task waits for its inspection (the policy's
 * inspection window, or its supervision item's; none when neither sets one), and
 * a closed task waits for nothing.
 */
const OPEN_IN: Record<DeadlineKind, { status: string; dueAt: AnyColumn }> = {
  claim: { status: 'awaiting-claim', dueAt: tasks.claimDueAt },
  inspection: { status: 'claimed', dueAt: tasks.inspectionDueAt },
  feedback: { status: 'awaiting-feedback', dueAt: tasks.feedbackDueAt },
  reinspection: { status: 'awaiting-reinspection', dueAt: tasks.reinspectionDueAt },
  rectification: { status: 'rectifying', dueAt: tasks.rectificationDueAt },
};

const literal = (s: string) => sql.raw(`'${s}'`);
const byStatus = (then: (k: DeadlineKind) => SQL | AnyColumn) =>
  sql`case ${tasks.status} ${sql.join(
    DEADLINE_KINDS.map((k) => sql`when ${literal(OPEN_IN[k].status)} then ${then(k)}`),
    sql` `,
  )} end`;

/** The kind of the deadline open now, or null. */
export const nextDeadlineKind = byStatus(literal).mapWith(String) as SQL<DeadlineKind | null>;

/** When the deadline open now falls, or null. */
export const nextDueAt = byStatus((k) => OPEN_IN[k].dueAt).mapWith(tasks.claimDueAt) as SQL<Date | null>;

/**
 * Whether the deadline open now has passed. A deadline is the last instant that is still in time
 * (a claim at it is on time, workflows/task/claim.ts), so overdue is strictly after it.
 */
export const nextOverdue = sql<boolean>`coalesce(now() > ${nextDueAt}, false)`;

/**
 * The claim deadline missed: the workflow's mark, or by the clock — still unclaimed after it
 * (before the workflow's timer has run), or claimed after it.
 */
export const claimMissed = sql<boolean>`(${tasks.claimOverdue} or coalesce(${tasks.claimedAt}, now()) > ${tasks.claimDueAt})`;

/**
 * The feedback (or re-inspection, which the workflow marks on the same flag) deadline missed: the
 * workflow's mark, or by the clock — fed back after it, still awaiting feedback after it, or still
 * awaiting the re-inspection after its deadline.
 */
export const feedbackMissed = sql<boolean>`(${tasks.feedbackOverdue}
  or coalesce(coalesce(${tasks.feedbackAt}, case when ${tasks.status} = ${literal('awaiting-feedback')} then now() end) > ${tasks.feedbackDueAt}, false)
  or coalesce(${tasks.status} = ${literal('awaiting-reinspection')} and now() > ${tasks.reinspectionDueAt}, false))`;
