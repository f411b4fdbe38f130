// The audit trail's write helpers, shared by every activity module: a step is recorded once per
// business key, and a read-model write and its step go to PostgreSQL as one statement.
import { Context } from '@temporalio/activity';
import { sql, type SQLWrapper } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { auditEvents } from '../db/schema/index.js';
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


/** The INSERT of a step's audit event, once per key (ON CONFLICT DO NOTHING), returning its id. */
export function stepInsert(w: Writer, step: StepRecord, at: Date) {
  return w
    .insert(auditEvents)
    .values({
      eventKey: step.key,
      applicationNo: step.applicationNo,
      taskId: step.taskId ?? null,
      kind: step.kind,
      summary: step.summary,
      actor: step.actor ?? SYSTEM_ACTOR,
      detail: step.detail ?? {},
      workflowId: workflowIdOrNull(),
      at,
    })
    .onConflictDoNothing({ target: auditEvents.eventKey })
    .returning({ id: auditEvents.id });
}

/** Appends an audit event once; returns false when this step was already recorded. */
export async function recordStep(w: Writer, step: StepRecord, at: Date): Promise<boolean> {
  return (await stepInsert(w, step, at)).length > 0;
}

/**
 * One statement: `write` (an UPDATE or INSERT of the read model) and the step's audit event,
 * atomically — a data-modifying CTE instead of BEGIN, two statements and COMMIT, which were
 * most of the statements a case sent (docs/benchmarks.md). Returns false when the step was
 * already recorded (the write itself is idempotent by its own key).
 */
export async function writeWithStep(w: Writer, write: SQLWrapper, step: StepRecord, at: Date): Promise<boolean> {
  const rows = await w.execute(sql`with w as (${write.getSQL()}) ${stepInsert(w, step, at).getSQL()}`);
  return rows.length > 0;
}
