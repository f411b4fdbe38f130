// After a calendar import the case workflow asks for the deadline of the window it waits in
// (retimeCaseWindow): the decision window again from routing; a window with nothing on the
// trail answers the workflow's own deadline and reminder unchanged.
import { afterAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities/index.js';
import { auditEvents, cases } from '../../db/schema/index.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { closeDatabase, database, insertCaseRow, testDeps } from '../helpers.js';

afterAll(async () => {
  await closeDatabase();
});

// Monday 2027-03-01 10:00 Asia/Shanghai. The import makes Tuesday 2027-03-02 a holiday.
const routedAt = new Date('2027-03-01T02:00:00Z');
const before = new WorkingCalendar({ publishedYears: [2027], exceptions: [] });
const after = new WorkingCalendar({ publishedYears: [2027], exceptions: [{ date: '2027-03-02', kind: 'holiday' }] });
const acts = (calendar: WorkingCalendar) => createActivities(testDeps(database(), { calendar: { current: async () => calendar }, clock: () => routedAt }));
const importId = () => 900_000 + Math.floor(Math.random() * 100_000);

describe('retimeCaseWindow', () => {
  it('moves the decision deadline past the new holiday, on the case and once on the trail', async () => {
    const applicationNo = await insertCaseRow('credit-check');
    const routed = await acts(before).recordRoute({ applicationNo, route: 'standard', reason: 'test', statutoryDays: 10, itemCode: 'SP-FOOD-01' });
    expect(routed).toEqual({ decisionDueAt: '2027-03-15T16:00:00.000Z', provisional: false, remindAt: '2027-03-12T01:00:00.000Z' });
    const id = importId();
    const input = { applicationNo, window: 'decision' as const, importId: id, dueAt: routed.decisionDueAt, remindAt: routed.remindAt };
    const moved = await acts(after).retimeCaseWindow(input);
    expect(moved).toEqual({ dueAt: '2027-03-16T16:00:00.000Z', remindAt: '2027-03-15T01:00:00.000Z', moved: true });
    const [c] = await database().db.select().from(cases).where(eq(cases.applicationNo, applicationNo));
    expect(c!.decisionDueAt).toEqual(new Date(moved.dueAt));
    const steps = await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${applicationNo}:retimed:decision:${id}`));
    expect(steps).toHaveLength(1);
    expect(steps[0]!.summary).toBe('decision deadline moved from 2027-03-15 24:00 to 2027-03-16 24:00: calendar updated');
    expect(await acts(after).retimeCaseWindow({ ...input, dueAt: moved.dueAt, remindAt: moved.remindAt })).toEqual({ ...moved, moved: false });
  });

  it('answers the given deadline and reminder when the window was never opened', async () => {
    const applicationNo = await insertCaseRow('revocation-pending');
    const input = { applicationNo, window: 'revocation' as const, importId: importId(), dueAt: '2027-03-10T16:00:00.000Z', remindAt: '2027-03-10T01:00:00.000Z' };
    expect(await acts(after).retimeCaseWindow(input)).toEqual({ dueAt: input.dueAt, remindAt: input.remindAt, moved: false });
  });
});
