// A region's own working days (区划自定工作日): set by that region's admin only, they hold in
// that region only, and their import re-times that region's running deadlines and no other's.
// Real parts: the API, a worker and the calendarRetime workflow on the test dev server, and two
// cases awaiting a decision — one of a region made for this file, one of 320700.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { and, eq } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { loadCalendarData, regionData } from '../../db/calendar.js';
import { auditEvents, cases, departments, regions } from '../../db/schema/index.js';
import { calendarRetimeWorkflowId } from '../../workflows/contracts.js';
import { WorkingCalendar, dateOf, dayOf } from '../../workflows/domain/working-days.js';
import { applicationNoOf, approver, database, freshCreditCode, testConfig, tokenFor, uniqueId, waitFor } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('region-cal-tq') });
const REGION = uniqueId('R').slice(0, 16);
const DEPARTMENT = `${REGION}-SPJ`;
const ITEM = `${REGION}-ITEM`;
let harness: ApiHarness;
let app: FastifyInstance;
const people = {
  admin: { sub: 'admin:region', role: 'regional-admin', region: REGION },
  cityAdmin: { sub: 'admin:320700', role: 'regional-admin', region: '320700' },
  operator: { sub: 'operator:ops', role: 'operator' },
  clerk: { sub: 'approval:region-clerk', role: 'approval', department: DEPARTMENT },
  cityClerk: approver,
} satisfies Record<string, Principal>;
const tokens = {} as Record<keyof typeof people, string>;

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  for (const [k, p] of Object.entries(people)) tokens[k as keyof typeof people] = await tokenFor(config, p);
  await database().db.insert(regions).values({ code: REGION, name: '测试自治县', deadlinePolicy: 'standard' });
  await database().db.insert(departments).values({ code: DEPARTMENT, name: '测试自治县行政审批局', regionCode: REGION, side: 'approval' });
  const item = await call('POST', '/v1/approval-items', 'admin', { code: ITEM, name: '测试许可', type: '行政许可', departmentCode: DEPARTMENT, regionCode: REGION, statutoryDays: 10 });
  expect(item.statusCode, item.body).toBe(201);
});
afterAll(() => harness?.stop());

const call = (method: 'GET' | 'PUT' | 'POST', url: string, who: keyof typeof people, payload?: unknown) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${tokens[who]}` }, payload: payload as never });

async function caseAwaitingDecision(who: 'clerk' | 'cityClerk', itemCode: string): Promise<string> {
  const no = applicationNoOf('RC', people[who].department);
  const r = await call('POST', '/v1/applications', who, { applicationNo: no, itemCode, applicant: { creditCode: freshCreditCode(), name: '某公司', phone: '13700000009' }, materials: ['申请书'] });
  expect(r.statusCode, r.body).toBe(201);
  await waitFor(async () => (await dueOf(no)) !== null);
  return no;
}

const dueOf = async (no: string) => (await database().db.select({ due: cases.decisionDueAt }).from(cases).where(eq(cases.applicationNo, no)))[0]?.due ?? null;
const moves = (no: string, importId: number) => database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${no}:retimed:decision:${importId}`));
/**
 * The case's trail says its deadline moved to `to`: by this import, or by an earlier import whose
 * re-timing this one's start picked up (it sees the region's days too) — once each.
 */
const movedTo = async (no: string, to: Date) =>
  (await database().db.select().from(auditEvents).where(and(eq(auditEvents.applicationNo, no), eq(auditEvents.kind, 'deadline-moved')))).filter((e) => (e.detail as { to?: string }).to === to.toISOString());

async function setRegionDays(year: number, days: Array<{ date: string; kind: 'holiday' | 'makeup-workday'; name?: string }>) {
  const r = await call('PUT', `/v1/calendar/${year}/regions/${REGION}`, 'admin', { notice: '测试自治县人民政府关于民族节日放假的通知', days });
  expect(r.statusCode, r.body).toBe(200);
  const body = r.json() as { importId: number; changedDates: string[]; retimeWorkflowId: string };
  expect(body.retimeWorkflowId).toBe(calendarRetimeWorkflowId(body.importId));
  await harness.client.workflow.getHandle(body.retimeWorkflowId).result();
  return body;
}

describe("a region's own days", () => {
  it('are set by that region’s admin only; nobody else, not the operator, not another region', async () => {
    const body = { notice: '通知', days: [] };
    for (const who of ['cityAdmin', 'operator', 'clerk'] as const) {
      expect((await call('PUT', `/v1/calendar/2026/regions/${REGION}`, who, body)).statusCode, who).toBe(403);
    }
    // Another region's admin learns nothing of whether a region exists.
    expect((await call('PUT', '/v1/calendar/2026/regions/NOPE-1', 'cityAdmin', body)).statusCode).toBe(403);
    const unknownOwn = await tokenFor(config, { sub: 'admin:ghost', role: 'regional-admin', region: 'GHOST-1' });
    expect((await app.inject({ method: 'PUT', url: '/v1/calendar/2026/regions/GHOST-1', headers: { authorization: `Bearer ${unknownOwn}` }, payload: body })).statusCode).toBe(404);
    const bad = await call('PUT', `/v1/calendar/2026/regions/${REGION}`, 'admin', { notice: '通知', days: [{ date: '2026-12-02', kind: 'makeup-workday' }] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail).toMatch(/days\[0\]: 2026-12-02 is a weekday/);
  });

  it("move that region's running deadlines and no other's, and can be taken back", async () => {
    const [ours, city] = [await caseAwaitingDecision('clerk', ITEM), await caseAwaitingDecision('cityClerk', 'SP-FOOD-01')];
    // Both count 10 working days from the same day: one deadline while the calendars agree (a
    // national import by another test file moves both alike).
    const [oursDue, cityDue] = [(await dueOf(ours))!, (await dueOf(city))!];
    expect(oursDue.getTime()).toBe(cityDue.getTime());
    // A working day before the region's deadline becomes a local holiday.
    const national = new WorkingCalendar(regionData(await loadCalendarData(database().db), null));
    const holiday = dateOf(national.workingDayBefore(dayOf(new Date(oursDue.getTime() - 1).toISOString().slice(0, 10))));
    const year = Number(holiday.slice(0, 4));

    const set = await setRegionDays(year, [{ date: holiday, kind: 'holiday', name: '民族节日' }]);
    expect(set.changedDates).toEqual([holiday]);
    expect((await dueOf(ours))!.getTime()).toBeGreaterThan((await dueOf(city))!.getTime());
    expect((await movedTo(ours, (await dueOf(ours))!)).length).toBeGreaterThanOrEqual(1);
    expect(await moves(city, set.importId)).toEqual([]);

    // The region's schedule shows the day as its own; the national one does not.
    const schedule = (await call('GET', `/v1/calendar/${year}/regions/${REGION}`, 'cityClerk')).json() as { days: Array<{ date: string; working: boolean; regional: boolean }> };
    expect(schedule.days.find((d) => d.date === holiday)).toMatchObject({ working: false, kind: 'holiday', holidayName: '民族节日', regional: true });
    expect(((await call('GET', `/v1/calendar/${year}`, 'cityClerk')).json() as { days: Array<{ date: string; working: boolean }> }).days.find((d) => d.date === holiday)!.working).toBe(true);
    // The calculator counts the region's days when asked for the region.
    const from = encodeURIComponent(`${dateOf(dayOf(holiday) - 1)}T10:00:00+08:00`);
    const inRegion = (await call('GET', `/v1/calendar/deadline?from=${from}&workingDays=1&region=${REGION}`, 'clerk')).json();
    const nationally = (await call('GET', `/v1/calendar/deadline?from=${from}&workingDays=1`, 'clerk')).json();
    expect(Date.parse(inRegion.dueAt)).toBeGreaterThan(Date.parse(nationally.dueAt));

    // Taken back: the deadline is the national one again.
    const cleared = await setRegionDays(year, []);
    expect(cleared.changedDates).toEqual([holiday]);
    expect((await dueOf(ours))!.getTime()).toBe((await dueOf(city))!.getTime());
    expect((await movedTo(ours, (await dueOf(ours))!)).length).toBeGreaterThanOrEqual(1);
    expect((await call('GET', `/v1/calendar/${year}/regions/${REGION}`, 'clerk')).json().days.find((d: { date: string }) => d.date === holiday).regional).toBe(false);
  });
});
