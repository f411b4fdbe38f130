// The complaint activities a retry may run twice: a forward (转办) found by its hop, so one hop
// and one trail step; the reply window re-timed from the receipt under the new calendar, once
// per import. Against the real PostgreSQL, the activities called directly.
import { afterAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createActivities } from '../../activities/index.js';
import { auditEvents, complaints } from '../../db/schema/index.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { complaintInput } from '../complaint-fixture.js';
import { DEMO, closeDatabase, database, testDeps } from '../helpers.js';

afterAll(async () => {
  await closeDatabase();
});

// Monday 2027-03-01 10:00 Asia/Shanghai; the import makes Tuesday 2027-03-02 a holiday.
const receivedAt = new Date('2027-03-01T02:00:00Z');
const before = new WorkingCalendar({ publishedYears: [2027], exceptions: [] });
const after = new WorkingCalendar({ publishedYears: [2027], exceptions: [{ date: '2027-03-02', kind: 'holiday' }] });
const acts = (calendar: WorkingCalendar) => createActivities(testDeps(database(), { calendar: { current: async () => calendar }, clock: () => receivedAt }));
const office = { sub: 'supervision:zwb-dbc', role: 'supervision' as const, department: DEMO.coordinatingOffice, division: DEMO.coordinatingDivision };
const rowOf = async (no: string) => (await database().db.select().from(complaints).where(eq(complaints.complaintNo, no)))[0]!;
const stepsOf = (no: string, kind: string) => database().db.select().from(auditEvents).where(and(eq(auditEvents.applicationNo, no), eq(auditEvents.kind, kind)));

describe('complaint activities run twice', () => {
  it('a forward retried is one hop and one step; another to a department that held it is refused', async () => {
    const input = complaintInput({ itemCode: undefined });
    const reg = await acts(before).registerComplaint(input);
    expect(reg.route.by).toBe('coordinating-office');
    const hop = { complaintNo: input.complaintNo, hop: 0, actor: office, to: { departmentCode: DEMO.market }, reason: '属市场监管' };
    const first = await acts(before).forwardComplaint(hop);
    expect(await acts(before).forwardComplaint(hop)).toEqual(first);
    expect(first).toMatchObject({ route: { departmentCode: DEMO.market, divisionCode: expect.any(String) }, taskId: `task-${input.complaintNo}.${DEMO.market}` });
    const row = await rowOf(input.complaintNo);
    expect(row.forwards).toHaveLength(1);
    expect(row).toMatchObject({ departmentCode: DEMO.market, taskId: first.taskId });
    expect(await stepsOf(input.complaintNo, 'complaint-forwarded')).toHaveLength(1);
    const back = await acts(before).forwardComplaint({ ...hop, hop: 1, to: { departmentCode: DEMO.coordinatingOffice } }).catch((e: unknown) => e);
    expect((back as { type?: string }).type).toBe('InvalidState');
    expect((await rowOf(input.complaintNo)).forwards).toHaveLength(1);
  });

  it('the reply deadline is counted again from the receipt under the new calendar, on the row and once on the trail', async () => {
    const input = complaintInput();
    const reg = await acts(before).registerComplaint(input);
    expect(reg.replyDueAt).toBe(before.deadline(receivedAt, 5).dueAt.toISOString());
    const expected = after.deadline(receivedAt, 5).dueAt.toISOString();
    expect(expected).not.toBe(reg.replyDueAt);
    const importId = 900_000 + Math.floor(Math.random() * 100_000);
    const retime = { complaintNo: input.complaintNo, importId, dueAt: reg.replyDueAt, remindAt: reg.replyRemindAt };
    const moved = await acts(after).retimeComplaintReply(retime);
    expect(moved).toMatchObject({ dueAt: expected, moved: true });
    expect((await rowOf(input.complaintNo)).replyDueAt.toISOString()).toBe(expected);
    expect(await acts(after).retimeComplaintReply({ ...retime, dueAt: moved.dueAt, remindAt: moved.remindAt })).toEqual({ ...moved, moved: false });
    expect(await acts(after).retimeComplaintReply(retime)).toEqual(moved);
    expect(await stepsOf(input.complaintNo, 'deadline-moved')).toHaveLength(1);
  });
});
