// calendarRetime moves every waiting case once, whatever happens to its activity on the way: an
// attempt that dies in the middle of a page of decision deadlines (some of the page written,
// some not), and the next one dying in the middle of the signals, on the real dev server with
// the real worker. Each retry resumes at the heartbeated cursor; a page done again re-computes
// the same deadline, which is already on the row, and writes nothing (the trail step's key
// carries the case and the import). Every case ends with one trail step and the new deadline,
// and every case's workflow has been told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { and, eq, like, sql } from 'drizzle-orm';
import { PAGE } from '../../activities/calendar-import.js';
import { importCalendar } from '../../db/calendar.js';
import { auditEvents, cases } from '../../db/schema/index.js';
import { calendarRetimeWorkflowId } from '../../workflows/contracts.js';
import type { calendarRetime } from '../../workflows/calendarRetime.js';
import { closeDatabase, createTestWorker, database, testClient, testConfig, testDeps, uniqueId } from '../helpers.js';
import { insertWaitingCases, removeWaitingCases } from './waiting-cases.js';

const YEAR = 2032; // no published schedule, and not the scale test's year: the two may run at once
const N = 3 * PAGE + 37;
const prefix = uniqueId('ONCE');
let connection: Connection;
let native: NativeConnection;
let client: Client;

beforeAll(async () => {
  const { db } = database();
  const address = testConfig().temporal.address;
  connection = await Connection.connect({ address });
  native = await NativeConnection.connect({ address });
  client = testClient(connection);
  await insertWaitingCases(db, { prefix, n: N, digits: 4, decisionDueAt: '2032-03-16T16:00:00Z', routedAt: '2032-03-02T02:00:00Z' });
}, 120_000);

afterAll(async () => {
  const { db } = database();
  await removeWaitingCases(db, prefix, YEAR);
  await native?.close();
  await connection?.close();
  await closeDatabase();
});

/** An attempt's end: a thrown error, as a worker that died or a database that went away would leave it. */
class Crash extends Error {}

describe('calendarRetime exactly once', () => {
  it('moves every case once across attempts that die mid-page in the re-timing and in the signals', async () => {
    const { db } = database();
    // Tuesday 2032-03-09 becomes a day off: ten working days from Tuesday 03-02 end on 03-17, not 03-16.
    const imported = await importCalendar(db, { year: YEAR, notice: '测试：2032年临时休息日', days: [{ date: '2032-03-09', kind: 'holiday', name: '临时休息日' }], by: 'test' });
    // The first attempt dies after a page and a half of decision deadlines (the clock is read once per deadline written)…
    let clockReads = 0;
    const clock = () => {
      if (++clockReads === Math.floor(1.5 * PAGE)) throw new Crash('the worker died in the middle of a page of deadlines');
      return new Date();
    };
    // …the second after a page and a half of signals.
    const told = new Map<string, number>();
    let signals = 0;
    const counting = new Proxy(client.workflow, {
      get: (target, name) =>
        name !== 'getHandle'
          ? Reflect.get(target, name)
          : (id: string) => ({
              signal: async (...args: unknown[]) => {
                if (id.startsWith(`case-${prefix}`) && ++signals === Math.floor(1.5 * PAGE)) throw new Crash('the worker died in the middle of the signals');
                told.set(id, (told.get(id) ?? 0) + 1);
                return (target.getHandle(id).signal as (...a: unknown[]) => Promise<void>)(...args);
              },
            }),
    });
    const temporal = new Proxy(client, { get: (target, name) => (name === 'workflow' ? counting : Reflect.get(target, name)) });
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(native, taskQueue, testDeps(database(), { temporal, clock }));
    const handle = await client.workflow.start<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(imported.importId), taskQueue, args: [{ importId: imported.importId, year: YEAR }] });
    await worker.runUntil(handle.result());

    const ours = like(auditEvents.applicationNo, `${prefix}-%`);
    const steps = await db.select({ no: auditEvents.applicationNo, n: sql<number>`count(*)::int` }).from(auditEvents).where(and(ours, eq(auditEvents.kind, 'deadline-moved'))).groupBy(auditEvents.applicationNo);
    expect(steps).toHaveLength(N);
    expect(steps.filter((s) => s.n !== 1)).toEqual([]);
    const [due] = await db.select({ n: sql<number>`count(*)::int`, first: sql<string>`min(decision_due_at)::text`, last: sql<string>`max(decision_due_at)::text` }).from(cases).where(like(cases.applicationNo, `${prefix}-%`));
    expect(due).toEqual({ n: N, first: '2032-03-17 16:00:00+00', last: '2032-03-17 16:00:00+00' });
    const everyCase = Array.from({ length: N }, (_, i) => `case-${prefix}-${String(i + 1).padStart(4, '0')}`);
    expect(everyCase.filter((id) => !told.has(id))).toEqual([]);
    // Both crashes happened, and each was an attempt of the one activity, retried by Temporal.
    const started = (await handle.fetchHistory()).events!.filter((e) => e.activityTaskStartedEventAttributes);
    expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([3]);
    // A retry resumed at its cursor rather than from the start: at most the page it died in was told twice.
    expect([...told.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(PAGE);
  }, 300_000);
});
