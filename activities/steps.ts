// The audit trail's write helpers, shared by every activity module: a step is recorded once per
// business key, and a read-model write and its step go to PostgreSQL as one statement.
import { Context } from '@temporalio/activity';
import { eq, fillPlaceholders, sql, type Query, type SQL, type SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.js';
import { auditEvents, calendarImports } from '../db/schema/index.js';
import { formatShanghai } from '../workflows/domain/format.js';
import { SYSTEM_ACTOR, type Actor } from '../workflows/contracts.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Writer = Tx | Db;

export interface StepRecord {
  /** Business key of the step, e.g. `<applicationNo>:decided`; unique in audit_events. */
  key: string;
  applicationNo: string;
  taskId?: string;
  kind: string;
  summary: string;
  actor?: Actor;
  detail?: Record<string, unknown>;
}

export function workflowIdOrNull(): string | null {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? null;
  } catch {
    return null; // called outside an activity (tests, scripts)
  }
}

/** A step's row in audit_events. */
function stepRow(step: StepRecord, at: Date) {
  return {
    eventKey: step.key,
    applicationNo: step.applicationNo,
    taskId: step.taskId ?? null,
    kind: step.kind,
    summary: step.summary,
    actor: step.actor ?? SYSTEM_ACTOR,
    detail: step.detail ?? {},
    workflowId: workflowIdOrNull(),
    at,
  };
}

/** The INSERT of a step's audit event, once per key (ON CONFLICT DO NOTHING), returning its id. */
export function stepInsert(w: Writer, step: StepRecord, at: Date) {
  return stepInsertOf(w, stepRow(step, at));
}
const stepInsertOf = (w: Writer, row: ReturnType<typeof stepRow>) =>
  w.insert(auditEvents).values(row).onConflictDoNothing({ target: auditEvents.eventKey }).returning({ id: auditEvents.id });

/** Appends an audit event once; returns false when this step was already recorded. */
export async function recordStep(w: Writer, step: StepRecord, at: Date): Promise<boolean> {
  return (await stepInsert(w, step, at)).length > 0;
}

/**
 * The one statement of a write and its step, in the lock order of every writer: the write's row
 * first, then the file's trail lock (the audit_events trigger's pg_advisory_xact_lock), as a
 * transaction of two statements (UPDATE, then recordStep) takes them. A data-modifying CTE
 * nobody reads runs after the main statement, so `with w as (UPDATE …) INSERT INTO
 * audit_events …` took the trail lock before the row and deadlocked (40P01) with such a
 * transaction on the same row (recordInspection beside openInspectionWindow, docs/decisions.md).
 * Here the main query reads both CTEs, and the count of `w` is a one-time filter (an InitPlan)
 * evaluated before the first row of `s` is asked for: the write runs to completion, then the
 * INSERT. The step is written whether or not the write matched a row, as before.
 */
const writeThenStep = (write: SQL, insert: SQL) =>
  sql`with w as (${write} returning 1), s as (${insert}) select s.id from s where (select count(*) from w) >= 0`;

/**
 * One statement: `write` (an UPDATE or INSERT of the read model, without RETURNING) and the
 * step's audit event, atomically — a data-modifying CTE instead of BEGIN, two statements and
 * COMMIT, which were most of the statements a case sent (docs/benchmarks.md). Returns false
 * when the step was already recorded (the write itself is idempotent by its own key).
 */
export async function writeWithStep(w: Writer, write: SQLWrapper, step: StepRecord, at: Date): Promise<boolean> {
  const rows = await w.execute(writeThenStep(write.getSQL(), stepInsert(w, step, at).getSQL()));
  return rows.length > 0;
}

const dialect = new PgDialect();

/** A placeholder where drizzle wants a column's value: it keeps the column's encoder (Date, JSON). */
export type Placeholders<V> = <K extends keyof V & string>(name: K) => V[K];
const placeholder = ((name: string) => sql.placeholder(name)) as Placeholders<Record<string, never>>;

/** The step's columns as placeholders (`step_<column>`), and their values for one step. */
const STEP_COLUMNS = Object.keys(stepRow({ key: '', applicationNo: '', kind: '', summary: '' }, new Date(0)));
const stepTemplate = (db: Db) => stepInsertOf(db, Object.fromEntries(STEP_COLUMNS.map((c) => [c, sql.placeholder(`step_${c}`)])) as unknown as ReturnType<typeof stepRow>);
const stepValues = (step: StepRecord, at: Date) => Object.fromEntries(Object.entries(stepRow(step, at)).map(([c, v]) => [`step_${c}`, v]));

/**
 * writeWithStep for a write of one fixed shape, built by drizzle once: `build` writes the
 * statement with a placeholder (`p('name')`) for every value that varies, and each call fills
 * them in and sends the same text (prepared by the client, db/client.ts). Building a statement
 * costs drizzle ~0.1–0.2 ms of CPU — as much as sending it — and the hot steps of every case
 * (claim, inspection, feedback, the SMS, the case's stages) build none (docs/benchmarks.md).
 * A value built into the statement (a literal, `new Date()`) is frozen at the first call: only
 * constants may be written literally.
 */
export function writeWithStepOnce<V extends Record<string, unknown>>(build: (db: Db, p: Placeholders<V>) => SQLWrapper) {
  let query: Query | undefined;
  return async (db: Db, values: V, step: StepRecord, at: Date): Promise<boolean> => {
    query ??= dialect.sqlToQuery(writeThenStep(build(db, placeholder as unknown as Placeholders<V>).getSQL(), stepTemplate(db).getSQL()));
    const rows = await db.$client.unsafe(query.sql, fillPlaceholders(query.params, { ...values, ...stepValues(step, at) }) as never[]);
    return rows.length > 0;
  };
}

// ── Deadlines a calendar import moved (retime.ts, calendar-import.ts, task/claim.ts retimeUrging) ──

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
