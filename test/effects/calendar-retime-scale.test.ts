// A calendar import in a city with 20,000 cases waiting for their decision: calendarRetime
// re-times every one of them and signals each, on the real dev server with the real worker,
// where an activity that did all its work before its first heartbeat timed out and restarted
// forever. The work goes by pages, each heartbeated with its cursor; an attempt that starts
// from a heartbeat resumes where it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { and, eq, like, sql } from 'drizzle-orm';
import { createActivities } from '../../activities/index.js';
import { PAGE, retimeAfterCalendarImport, type RetimeProgress } from '../../activities/calendar-import.js';
import { importCalendar } from '../../db/calendar.js';
import { auditEvents, cases } from '../../db/schema/index.js';
import { calendarRetimeWorkflowId } from '../../workflows/contracts.js';
import type { calendarRetime } from '../../workflows/calendarRetime.js';
import { closeDatabase, createTestWorker, database, testConfig, testDeps, uniqueId, testClient } from '../helpers.js';
import { insertWaitingCases, removeWaitingCases } from './waiting-cases.js';

const YEAR = 2031; // no published schedule: nothing else of the suite counts in it
const N = 20_000;
const prefix = uniqueId('SCALE');
const routedAt = new Date('2031-03-03T02:00:00Z'); // Monday 10:00 in Shanghai
let connection: Connection;
let native: NativeConnection;
let client: Client;

beforeAll(async () => {
  const { db } = database();
  const address = testConfig().temporal.address;
  connection = await Connection.connect({ address });
  native = await NativeConnection.connect({ address });
  client = testClient(connection);
  // The cases and their routing steps, by SQL: a city's worth in a few seconds.
  await insertWaitingCases(db, { prefix, n: N, digits: 5, decisionDueAt: '2031-03-17T16:00:00Z', routedAt: routedAt.toISOString() });
}, 300_000);

afterAll(async () => {
  const { db } = database();
  // A city's worth of waiting cases would weigh on every later calendar import of the suite.
  await removeWaitingCases(db, prefix, YEAR);
  await native?.close();
  await connection?.close();
  await closeDatabase();
});

const ours = like(cases.applicationNo, `${prefix}-%`);

describe('calendarRetime at a city’s scale', () => {
  it('re-times and signals 20,000 waiting cases through the workflow on the dev server', async () => {
    const { db } = database();
    // 2031-03-10 becomes a day off: every decision counted from 2031-03-03 moves a working day.
    const imported = await importCalendar(db, { year: YEAR, notice: '测试：2031年临时休息日', days: [{ date: '2031-03-10', kind: 'holiday', name: '临时休息日' }], by: 'test' });
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(native, taskQueue, testDeps(database(), { temporal: client }));
    const r = await worker.runUntil(
      client.workflow.execute<typeof calendarRetime>('calendarRetime', { workflowId: calendarRetimeWorkflowId(imported.importId), taskQueue, args: [{ importId: imported.importId, year: YEAR }] }),
    );
    expect(r.casesRetimed).toBeGreaterThanOrEqual(N);
    expect(r.casesSignalled).toBeGreaterThanOrEqual(N);
    const [moved] = await db.select({ n: sql<number>`count(*)::int`, due: sql<string>`min(decision_due_at)::text`, last: sql<string>`max(decision_due_at)::text` }).from(cases).where(ours);
    // Ten working days from Monday 03-03, 03-10 off: 24:00 of 03-18.
    expect(moved).toEqual({ n: N, due: '2031-03-18 16:00:00+00', last: '2031-03-18 16:00:00+00' });
    const [steps] = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(and(like(auditEvents.applicationNo, `${prefix}-%`), eq(auditEvents.kind, 'deadline-moved')));
    expect(steps!.n).toBe(N);
  }, 600_000);

  it('an attempt that starts from a heartbeat resumes at its cursor and heartbeats every page', async () => {
    const { db } = database();
    const imported = await importCalendar(db, { year: YEAR, notice: '测试：再改', days: [{ date: '2031-03-10', kind: 'holiday' }, { date: '2031-03-11', kind: 'holiday' }], by: 'test' });
    const acts = createActivities(testDeps(database(), { temporal: client }));
    expect(acts.retimeAfterCalendarImport).toBeDefined();
    // The earlier attempt got through the decisions and half of the cases' signals.
    const half = `${prefix}-${String(N / 2).padStart(5, '0')}`;
    const env = new MockActivityEnvironment({ heartbeatDetails: { phase: 'cases', after: half, casesRetimed: N, casesSignalled: N / 2, tasksSignalled: 0 } satisfies RetimeProgress });
    const beats: RetimeProgress[] = [];
    env.on('heartbeat', (d: RetimeProgress) => beats.push(structuredClone(d)));
    const r = (await env.run(retimeAfterCalendarImport, testDeps(database(), { temporal: client }), { importId: imported.importId })) as Awaited<ReturnType<typeof retimeAfterCalendarImport>>;
    // Nothing re-timed again (the decisions phase was done), the second half of ours signalled.
    expect(r.casesRetimed).toBe(N);
    expect(r.casesSignalled).toBeGreaterThanOrEqual(N);
    expect(beats.length).toBeGreaterThanOrEqual(Math.floor(N / 2 / PAGE));
    expect(beats.every((b) => b.phase !== 'decisions')).toBe(true);
    expect(beats[0]!.after > half).toBe(true);
  }, 300_000);
});
