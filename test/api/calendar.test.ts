// The calendar over HTTP: a year's schedule, the deadline calculator, and imports that are
// validated whole, refused with a reason, and allowed only to the platform operator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Connection } from '@temporalio/client';
import { count, eq, isNull } from 'drizzle-orm';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { calendarDays, calendarImports } from '../../db/schema/index.js';
import { approver, closeDatabase, database, testConfig, tokenFor, uniqueId, testClient } from '../helpers.js';

let app: FastifyInstance;
let connection: Connection;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('cal-tq') });
const tokens = { approver: '', admin: '', trainingAdmin: '', operator: '' };

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  app = await buildApp({ config, database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
  tokens.approver = await tokenFor(config, approver);
  tokens.admin = await tokenFor(config, { sub: 'admin:320700', role: 'regional-admin', region: '320700' });
  tokens.trainingAdmin = await tokenFor(config, { sub: 'admin:train', role: 'regional-admin', region: 'TRAIN-320700' });
  tokens.operator = await tokenFor(config, { sub: 'operator:ops', role: 'operator' });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await closeDatabase();
});

const call = (method: 'GET' | 'PUT', url: string, token: string, payload?: unknown) => app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: payload as never });

describe('calendar API', () => {
  it("shows a year's schedule with its source", async () => {
    const r = await call('GET', '/v1/calendar/2026', tokens.approver);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ year: 2026, published: true });
    expect(body.days).toHaveLength(365);
    expect(body.days.find((d: { date: string }) => d.date === '2026-02-14')).toEqual({ date: '2026-02-14', working: true, kind: 'makeup-workday', holidayName: '春节调休上班' });
    const unpublished = (await call('GET', '/v1/calendar/2031', tokens.approver)).json();
    expect(unpublished.published).toBe(false);
    expect(unpublished.days).toHaveLength(365);
  });

  it('computes a deadline by the legal convention', async () => {
    const r = await call('GET', `/v1/calendar/deadline?from=${encodeURIComponent('2026-02-13T10:00:00+08:00')}&workingDays=2`, tokens.approver);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ from: '2026-02-13T02:00:00.000Z', workingDays: 2, dueAt: '2026-02-24T16:00:00.000Z', dueAtShanghai: '2026-02-24 24:00', provisional: false });
    expect((await call('GET', '/v1/calendar/deadline?from=yesterday&workingDays=2', tokens.approver)).statusCode).toBe(400);
    expect((await call('GET', '/v1/calendar/deadline?from=2026-02-13T10:00:00Z&workingDays=0', tokens.approver)).statusCode).toBe(400);
  });

  it('refuses a bad import whole, with the reason, and changes nothing', async () => {
    const imports = async () => (await database().db.select({ n: count() }).from(calendarImports))[0]!.n;
    const before = await imports();
    const bad = await call('PUT', '/v1/calendar/2027', tokens.operator, {
      notice: '国务院办公厅关于2027年部分节假日安排的通知',
      days: [
        { date: '2027-01-01', kind: 'holiday', name: '元旦' },
        { date: '2027-01-01', kind: 'holiday', name: '元旦' },
        { date: '2027-01-05', kind: 'makeup-workday' },
      ],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail).toMatch(/days\[1\]: 2027-01-01 is listed twice/);
    expect(bad.json().detail).toMatch(/days\[2\]: 2027-01-05 is a weekday/);
    const unknownKind = await call('PUT', '/v1/calendar/2027', tokens.operator, { notice: 'x', days: [{ date: '2027-01-01', kind: 'day-off' }] });
    expect(unknownKind.statusCode).toBe(400);
    expect(await imports()).toBe(before);
    expect((await database().db.select({ n: count() }).from(calendarDays).where(eq(calendarDays.year, 2027)))[0]!.n).toBe(0);
  });

  it('lets only the platform operator import the national schedule: no regional admin, the training region\'s included', async () => {
    for (const who of [tokens.approver, tokens.admin, tokens.trainingAdmin]) {
      const r = await call('PUT', '/v1/calendar/2026', who, { notice: 'x', days: [] });
      expect(r.statusCode).toBe(403);
    }
  });

  it('re-imports a year unchanged without moving any date, and starts the re-timing workflow', async () => {
    const year = (await call('GET', '/v1/calendar/2025', tokens.admin)).json();
    const days = year.days
      .filter((d: { kind: string }) => d.kind === 'holiday' || d.kind === 'makeup-workday')
      .map((d: { date: string; kind: string; holidayName: string | null }) => ({ date: d.date, kind: d.kind, ...(d.holidayName && { name: d.holidayName }) }));
    const r = await call('PUT', '/v1/calendar/2025', tokens.operator, { notice: year.sourceNotice, days });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ year: 2025, changedDates: [], newlyPublished: false });
    const client = testClient(connection);
    const handle = client.workflow.getHandle(r.json().retimeWorkflowId);
    expect((await handle.describe()).type).toBe('calendarRetime');

    // An earlier import whose re-timing never started (the API died in between) is started by the next import.
    const [orphan] = await database().db.insert(calendarImports).values({ year: 2025, sourceNotice: 'orphan', changedDates: [], newlyPublished: false, importedBy: 'test' }).returning({ id: calendarImports.id });
    const again = await call('PUT', '/v1/calendar/2025', tokens.operator, { notice: year.sourceNotice, days });
    expect(again.statusCode).toBe(200);
    const orphanHandle = client.workflow.getHandle(`calendar-import-${orphan!.id}`);
    expect((await orphanHandle.describe()).type).toBe('calendarRetime');
    for (const id of [r.json().retimeWorkflowId, `calendar-import-${orphan!.id}`, again.json().retimeWorkflowId]) {
      await client.workflow.getHandle(id).terminate('no worker in this test; the re-timing itself is tested on the time-skipping server');
    }
    await database().db.update(calendarImports).set({ retimedAt: new Date() }).where(isNull(calendarImports.retimedAt));
  });
});
