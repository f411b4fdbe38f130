// The timeliness figures are counted in PostgreSQL (db/queries/stats.ts). They must be the
// figures the Node computation gave before — every count, and the median claim time in working
// hours under the task's region calendar — on a varied set of tasks: two regions (one with days
// of its own: a weekday off, a Saturday worked), pushes and claims at any millisecond across
// weekends and the National Day holiday with its make-up Sundays, claims in the same minute,
// the same day, weeks later, before the push (clock skew: zero), none; feedback on time, late,
// overdue, open; and a `now` inside the period so both sides of every deadline occur.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegionDays, loadCalendarData, regionData } from '../../db/calendar.js';
import { timeliness, timelinessByMonth, type TimelinessRow } from '../../db/queries/stats.js';
import type { TaskPeriod } from '../../db/queries/task-period.js';
import { cases, departments, divisions, regions, tasks } from '../../db/schema/index.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { timelinessOf as oracle } from '../../scripts/bench/timeliness-node.js';
import { closeDatabase, database, uniqueId } from '../helpers.js';

type TaskRow = typeof tasks.$inferInsert;

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const HOUR = 3_600_000;
const plain = uniqueId('RS');
const own = uniqueId('RO');
const rows: TaskRow[] = [];
const departmentCodes: string[] = [];
const period: TaskPeriod = { start: new Date('2025-09-01T00:00:00+08:00'), end: new Date('2025-11-01T00:00:00+08:00'), departmentCodes };
const now = new Date('2025-10-09T15:30:00.250+08:00');

beforeAll(async () => {
  const { db } = database();
  await db.insert(regions).values([plain, own].map((code) => ({ code, name: `统计核对${code}`, adminName: '管理员', adminPhone: '13800000100' })));
  // The region's own days: a weekday off in September, and a Saturday worked in October.
  await importRegionDays(db, { regionCode: own, year: 2025, notice: '测试：本地调休', days: [{ date: '2025-09-17', kind: 'holiday', name: '本地休息日' }, { date: '2025-10-18', kind: 'makeup-workday' }], by: 'test' });
  const divisionsOf: Array<{ region: string; department: string; division: string }> = [];
  for (const region of [plain, own]) {
    for (const d of ['A', 'B']) {
      const department = `${region}-${d}`;
      departmentCodes.push(department);
      await db.insert(departments).values({ code: department, name: `监管部门${d}`, regionCode: region, side: 'supervision', headName: '局长', headPhone: '13800000101' });
      for (const v of ['1', '2']) {
        await db.insert(divisions).values({ code: `${department}-${v}`, departmentCode: department, name: `处室${v}`, adminName: '处长', adminPhone: '13800000111' });
        divisionsOf.push({ region, department, division: `${department}-${v}` });
      }
    }
  }
  const rand = random(20251001);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const start = new Date('2025-08-28T00:00:00+08:00').getTime(); // a few pushed before the period: left out
  for (let i = 0; i < 1500; i++) {
    const where = divisionsOf[i % divisionsOf.length]!;
    // The last division gets only tasks nobody claimed: its median is null.
    const noClaims = where.division === divisionsOf.at(-1)!.division;
    const pushed = new Date(start + Math.floor(rand() * 68 * 24 * HOUR)); // any millisecond
    const claimDue = new Date(pushed.getTime() + pick([1, 3, 5]) * 24 * HOUR + Math.floor(rand() * 12 * HOUR));
    const shape = rand();
    const claimed = noClaims || shape < 0.15 ? null
      : shape < 0.2 ? new Date(pushed.getTime() - Math.floor(rand() * HOUR)) // before the push: counts zero
      : shape < 0.3 ? new Date(pushed.getTime() + Math.floor(rand() * 60_000)) // the same minute
      : shape < 0.33 ? claimDue // exactly at the deadline: on time
      : new Date(pushed.getTime() + Math.floor(rand() ** 2 * 21 * 24 * HOUR));
    const feedbackDue = claimed && rand() < 0.7 ? new Date(claimed.getTime() + 7 * 24 * HOUR) : null;
    const fb = rand();
    const feedback = feedbackDue && fb < 0.6 ? new Date(feedbackDue.getTime() + (fb < 0.4 ? -1 : 1) * Math.floor(rand() * 3 * 24 * HOUR)) : feedbackDue && fb < 0.65 ? feedbackDue : null;
    rows.push({ taskId: `task-${where.region}-${i}`, applicationNo: `${where.region}-${i % 50}`, originNo: `${where.region}-${i % 50}`, departmentCode: where.department, divisionCode: where.division, regionCode: where.region, applicantCreditCode: 'x', status: claimed ? 'claimed' : 'awaiting-claim', pushedAt: pushed, claimDueAt: claimDue, claimedAt: claimed, feedbackDueAt: feedbackDue, feedbackAt: feedback });
  }
  // An even count in one group and an odd one in another, whatever the draw: one more task for the first division.
  rows.push({ ...rows[0]!, taskId: `task-${plain}-extra`, claimedAt: new Date(rows[0]!.pushedAt.getTime() + 2 * 24 * HOUR + 7) });
  // Claims more than a year after the period (past the statement's table of days: counted in the row), in both regions.
  for (const [i, region] of [[1, plain], [6, own]] as const) rows.push({ ...rows[i]!, taskId: `task-${region}-late`, pushedAt: new Date('2025-09-15T10:00:00.123+08:00'), claimedAt: new Date('2026-11-20T15:45:00.456+08:00') });
  await db.insert(cases).values(
    [plain, own].flatMap((region) => Array.from({ length: 50 }, (_, i) => ({ applicationNo: `${region}-${i}`, workflowId: `case-${region}-${i}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: 'LYG-SPJ', regionCode: region, applicantCreditCode: 'x', applicantName: '某公司', applicantPhone: '13700000000', requestedRoute: 'auto', requestHash: 'h', stage: 'supervising', submittedBy: 'test' }))),
  );
  for (let i = 0; i < rows.length; i += 500) await db.insert(tasks).values(rows.slice(i, i + 500));
});

afterAll(async () => {
  await closeDatabase();
});

describe('timeliness statistics counted in SQL', () => {
  it('give the figures of the Node computation, the region calendar counted, per division', async () => {
    const { db } = database();
    const tables = await loadCalendarData(db);
    const calendarOf = (region: string) => new WorkingCalendar(regionData(tables, region));
    const inPeriod = rows.filter((t) => t.pushedAt >= period.start && t.pushedAt < period.end);
    const expected = oracle(inPeriod, now, calendarOf);
    const got = await timeliness(db, period, now);
    expect(got).toEqual(expected);
    // The dataset is varied enough to mean something: every figure occurs, medians both ways.
    const total = (k: keyof TimelinessRow) => got.reduce((n, r) => n + (r[k] as number), 0);
    for (const k of ['claimedOnTime', 'claimedLate', 'unclaimedPastDeadline', 'unclaimedOpen', 'feedbackOnTime', 'feedbackLate', 'feedbackOverdue'] as const) expect(total(k), k).toBeGreaterThan(0);
    expect(got.filter((r) => r.medianClaimWorkingHours === null)).toHaveLength(1);
    expect(new Set(got.map((r) => r.received % 2))).toEqual(new Set([0, 1]));
    // The region's own days count: under the national calendar alone its medians differ.
    const national = oracle(inPeriod, now, () => new WorkingCalendar(tables));
    expect(national.filter((r) => r.departmentCode.startsWith(own)).map((r) => r.medianClaimWorkingHours)).not.toEqual(got.filter((r) => r.departmentCode.startsWith(own)).map((r) => r.medianClaimWorkingHours));
  });

  it('give the same per month of the push (the monthly report’s trend)', async () => {
    const { db } = database();
    const tables = await loadCalendarData(db);
    const calendarOf = (region: string) => new WorkingCalendar(regionData(tables, region));
    const monthOf = (d: Date) => new Date(d.getTime() + 8 * HOUR).toISOString().slice(0, 7);
    const got = await timelinessByMonth(db, period, now);
    expect([...got.keys()].sort()).toEqual(['2025-09', '2025-10']);
    for (const [month, figures] of got) {
      expect(figures, month).toEqual(oracle(rows.filter((t) => t.pushedAt >= period.start && t.pushedAt < period.end && monthOf(t.pushedAt) === month), now, calendarOf));
    }
  });

  it('count nothing for a period or departments without tasks', async () => {
    const { db } = database();
    expect(await timeliness(db, { ...period, departmentCodes: [] }, now)).toEqual([]);
    expect(await timeliness(db, { ...period, start: new Date('2024-01-01T00:00:00+08:00'), end: new Date('2024-02-01T00:00:00+08:00') }, now)).toEqual([]);
    expect((await timelinessByMonth(db, { ...period, departmentCodes: [] }, now)).size).toBe(0);
  });
});
