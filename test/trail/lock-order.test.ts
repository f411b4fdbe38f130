// One lock order for every writer of a read-model row and its trail step (docs/decisions.md,
// "Deadlock between recordInspection and openInspectionWindow"): the row first, then the file's
// trail lock (pg_advisory_xact_lock(7001, …) in the audit_events trigger). A transaction of two
// statements (openInspectionWindow: UPDATE tasks, then the step) and the one-statement writer
// (writeWithStep / writeWithStepOnce: recordInspection's UPDATE tasks and its step) meet on one
// task: the one-statement writer is made to arrive while the transaction holds the row and has
// not yet written its step — the interleaving that deadlocked (40P01) when the statement's
// INSERT, and with it the trail lock, ran before its un-referenced UPDATE.
import { afterAll, describe, expect, it } from 'vitest';
import { asc, eq, sql, type SQLWrapper } from 'drizzle-orm';
import { auditEvents, tasks } from '../../db/schema/index.js';
import type { Db } from '../../db/client.js';
import { recordStep, writeWithStep, writeWithStepOnce } from '../../activities/steps.js';
import { DEMO, closeDatabase, database, freshCreditCode, uniqueId, waitForValue } from '../helpers.js';

afterAll(async () => {
  await closeDatabase();
});

const inspected = writeWithStepOnce<{ findings: string; now: Date; taskId: string }>((db, p) =>
  db.update(tasks).set({ status: 'awaiting-feedback', findings: p('findings'), updatedAt: p('now') }).where(eq(tasks.taskId, p('taskId'))),
);

/** The two one-statement writers: the prepared one (recordInspection's) and the one built per call. */
const writers: Record<string, (db: Db, taskId: string, fileNo: string) => Promise<boolean>> = {
  writeWithStepOnce: (db, taskId, fileNo) => inspected(db, { findings: '现场检查无问题', now: new Date(), taskId }, { key: `${taskId}:inspected`, applicationNo: fileNo, taskId, kind: 'inspection-finished', summary: 'supervision finished' }, new Date()),
  writeWithStep: (db, taskId, fileNo) =>
    writeWithStep(db, db.update(tasks).set({ urgeAt: new Date(), updatedAt: new Date() }).where(eq(tasks.taskId, taskId)) as SQLWrapper, { key: `${taskId}:urged`, applicationNo: fileNo, taskId, kind: 'urge', summary: 'urged' }, new Date()),
};

async function freshTask(): Promise<{ taskId: string; fileNo: string }> {
  const fileNo = uniqueId('LOCK');
  const taskId = `${fileNo}-T1`;
  const now = new Date();
  await database().db.insert(tasks).values({ taskId, origin: 'complaint', originNo: fileNo, departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, regionCode: DEMO.region, applicantCreditCode: freshCreditCode(), status: 'claimed', pushedAt: now, claimDueAt: now });
  return { taskId, fileNo };
}

/** The one-statement writer's backend, waiting for a lock (the task row the transaction holds). */
const statementWaiting = () =>
  database().db.execute<{ pid: number }>(sql`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock' and query like 'with w as (update "tasks"%'`).then((r) => r[0]);

describe('a task row and its trail step are locked in one order by every writer', () => {
  for (const [name, write] of Object.entries(writers)) {
    it(`${name} beside a transaction that updates the task and then records a step: both commit, no 40P01`, async () => {
      const { db } = database();
      for (let round = 0; round < 3; round++) {
        const { taskId, fileNo } = await freshTask();
        let statement: Promise<boolean> | undefined;
        const transaction = db.transaction(async (tx) => {
          // openInspectionWindow's shape: the row, then the step.
          await tx.update(tasks).set({ inspectionDueAt: new Date(), updatedAt: new Date() }).where(eq(tasks.taskId, taskId));
          statement = write(db, taskId, fileNo);
          statement.catch(() => undefined); // settled below
          await waitForValue(`${name} waiting for the task row`, statementWaiting, 20_000);
          await recordStep(tx, { key: `${taskId}:inspection-due`, applicationNo: fileNo, taskId, kind: 'inspection-due', summary: 'inspection due' }, new Date());
        });
        const [tx, st] = await Promise.allSettled([transaction, transaction.then(() => statement!, () => statement!)]);
        // The SQLSTATE of a failure (drizzle wraps the driver's error as its cause), e.g. 40P01.
        const failures = [tx, st].flatMap((r) => (r.status === 'rejected' ? [String((r.reason as { code?: string; cause?: { code?: string } }).code ?? (r.reason as { cause?: { code?: string } }).cause?.code ?? r.reason)] : []));
        expect(failures).toEqual([]);
        expect(st.status === 'fulfilled' && st.value).toBe(true);

        // Both steps on the file's trail, the transaction's first, and the chain intact.
        const events = await db.select({ eventKey: auditEvents.eventKey }).from(auditEvents).where(eq(auditEvents.applicationNo, fileNo)).orderBy(asc(auditEvents.id));
        expect(events.map((e) => e.eventKey.slice(taskId.length + 1))).toEqual(['inspection-due', name === 'writeWithStep' ? 'urged' : 'inspected']);
        const [chain] = await db.execute<{ id: string | null }>(sql`select audit_chain_break(${fileNo}) as id`);
        expect(chain!.id).toBeNull();
        const [task] = await db.select({ status: tasks.status, inspectionDueAt: tasks.inspectionDueAt }).from(tasks).where(eq(tasks.taskId, taskId));
        expect(task!.inspectionDueAt).not.toBeNull();
        if (name === 'writeWithStepOnce') expect(task!.status).toBe('awaiting-feedback');
      }
    });
  }
});
