// The monthly 通报 (seed 003 §21: the coordinating office reports the loop's running and each
// department's work; the results count in the annual assessment). Its figures are the
// assessment's own (db/queries/stats.ts: the same task selection and the same definitions as
// GET /v1/stats/timeliness), for the supervision departments of one live region and one calendar
// month in Asia/Shanghai, plus the last twelve months' trend and what is open past a deadline now.
import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { cases, deadlinePolicies, departments, divisions, monthlyReports, regions, tasks } from '../schema/index.js';
import { loopFigures, type LoopFiguresRow } from './loop-figures.js';
import { timeliness, timelinessByMonth, type TimelinessRow } from './stats.js';
import { nextDeadlineKind, nextDueAt } from './task-clock.js';
import { outsideWork, type OutsideWork } from './report-outside.js';

/** A division's or a department's figures (the assessment's timeliness, and what followed the claim). */
export interface Figures {
  received: number;
  claimedOnTime: number;
  claimedLate: number;
  unclaimedPastDeadline: number;
  unclaimedOpen: number;
  feedbackOnTime: number;
  feedbackLate: number;
  feedbackOverdue: number;
  rectificationsOrdered: number;
  rectified: number;
  notRectified: number;
  rectificationOpen: number;
  revocationsRequested: number;
  licencesRevoked: number;
  remindersSent: number;
  escalationsSent: number;
  /** claimedOnTime / (claimedOnTime + claimedLate + unclaimedPastDeadline); null when none was due. */
  claimOnTimeRate: number | null;
}

export interface TrendPoint {
  month: string;
  received: number;
  claimedOnTime: number;
  claimedLate: number;
  unclaimedPastDeadline: number;
  feedbackOnTime: number;
  feedbackLate: number;
  claimOnTimeRate: number | null;
}

export interface OverdueItem {
  kind: 'claim' | 'inspection' | 'feedback' | 'reinspection' | 'rectification' | 'decision' | 'commitment' | 'revocation';
  applicationNo: string;
  applicantName: string;
  taskId: string | null;
  dueAt: string;
  departmentCode: string;
  departmentName: string;
  divisionCode: string | null;
  divisionName: string | null;
}

export interface MonthlyReport {
  region: { code: string; name: string };
  month: string;
  /** The month as instants: [from, to), Asia/Shanghai. */
  period: { from: string; to: string; timeZone: 'Asia/Shanghai' };
  /** The figures as they stood at this instant (what "past its deadline" and "open" are measured against). */
  asOf: string;
  totals: Figures;
  departments: Array<{ code: string; name: string; totals: Figures; divisions: Array<{ code: string; name: string; medianClaimWorkingHours: number | null } & Figures> }>;
  /** Departments by claim on-time rate (best first; none due last), then by tasks received. */
  ranking: Array<{ rank: number; departmentCode: string; name: string; claimOnTimeRate: number | null; received: number; late: number }>;
  /** The twelve months ending with this one. */
  trend: TrendPoint[];
  /** This month against the one before: the differences in tasks received and in the claim on-time rate (percentage points). */
  change: { previousMonth: string; received: number; claimOnTimeRatePoints: number | null };
  /** Open now, past a deadline: named, with the deadline and who owes it; nearest-missed first (at most OVERDUE_MAX). */
  overdue: OverdueItem[];
  overdueTotal: number;
  /** Complaints and department notices the region's departments received in the month (report-outside.ts). */
  outsideWork: OutsideWork;
}

export const OVERDUE_MAX = 200;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** [from, to) of a calendar month in Asia/Shanghai. */
export function monthBounds(month: string): { start: Date; end: Date } {
  const [, y, m] = MONTH.exec(month)!;
  const next = Number(m) === 12 ? `${Number(y) + 1}-01` : `${y}-${String(Number(m) + 1).padStart(2, '0')}`;
  return { start: new Date(`${month}-01T00:00:00+08:00`), end: new Date(`${next}-01T00:00:00+08:00`) };
}

/** The month `delta` months from `month` (YYYY-MM). */
export function addMonths(month: string, delta: number): string {
  const [, y, m] = MONTH.exec(month)!;
  const i = Number(y) * 12 + Number(m) - 1 + delta;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** The calendar month (Asia/Shanghai) an instant falls in. */
export const shanghaiMonthOf = (instant: Date): string => new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);

const rate = (onTime: number, late: number, missed: number) => (onTime + late + missed === 0 ? null : Math.round((onTime / (onTime + late + missed)) * 10_000) / 10_000);

const ZERO: Omit<Figures, 'claimOnTimeRate'> = { received: 0, claimedOnTime: 0, claimedLate: 0, unclaimedPastDeadline: 0, unclaimedOpen: 0, feedbackOnTime: 0, feedbackLate: 0, feedbackOverdue: 0, rectificationsOrdered: 0, rectified: 0, notRectified: 0, rectificationOpen: 0, revocationsRequested: 0, licencesRevoked: 0, remindersSent: 0, escalationsSent: 0 };
type Counts = typeof ZERO;

function sum(parts: Array<Partial<Counts>>): Figures {
  const total = { ...ZERO };
  for (const p of parts) for (const k of Object.keys(ZERO) as Array<keyof Counts>) total[k] += p[k] ?? 0;
  return { ...total, claimOnTimeRate: rate(total.claimedOnTime, total.claimedLate, total.unclaimedPastDeadline) };
}

/** A region as the report names it; `rehearsal`: a training region (培训演练), which has no 通报. */
export async function reportRegion(db: Db, code: string): Promise<{ code: string; name: string; rehearsal: boolean } | undefined> {
  const [r] = await db
    .select({ code: regions.code, name: regions.name, unit: deadlinePolicies.unit })
    .from(regions)
    .leftJoin(deadlinePolicies, eq(deadlinePolicies.code, regions.deadlinePolicy))
    .where(eq(regions.code, code));
  return r && { code: r.code, name: r.name, rehearsal: r.unit === 'minute' };
}

/** The live regions (each gets a 通报), in code order. */
export async function liveRegionCodes(db: Db): Promise<string[]> {
  const rows = await db
    .select({ code: regions.code })
    .from(regions)
    .leftJoin(deadlinePolicies, eq(deadlinePolicies.code, regions.deadlinePolicy))
    .where(sql`${deadlinePolicies.unit} is distinct from 'minute'`)
    .orderBy(asc(regions.code));
  return rows.map((r) => r.code);
}

async function overdueNow(db: Db, regionCode: string, departmentCodes: string[], asOf: Date): Promise<{ items: OverdueItem[]; total: number }> {
  const codes = departmentCodes.length ? departmentCodes : ['-'];
  const taskRows = await db
    .select({ kind: nextDeadlineKind, dueAt: nextDueAt, applicationNo: tasks.originNo, applicantName: sql<string>`coalesce(${cases.applicantName}, ${tasks.applicantName}, '')`, taskId: tasks.taskId, departmentCode: tasks.departmentCode, departmentName: departments.name, divisionCode: tasks.divisionCode, divisionName: divisions.name })
    .from(tasks)
    .leftJoin(cases, eq(cases.applicationNo, tasks.applicationNo))
    .innerJoin(departments, eq(departments.code, tasks.departmentCode))
    .leftJoin(divisions, eq(divisions.code, tasks.divisionCode))
    .where(and(inArray(tasks.departmentCode, codes), sql`${nextDueAt} < ${asOf.toISOString()}::timestamptz`));
  const caseRows = await db
    .select({ kind: cases.nextDueKind, dueAt: cases.nextDueAt, applicationNo: cases.applicationNo, applicantName: cases.applicantName, departmentCode: cases.approvalDepartmentCode, departmentName: departments.name })
    .from(cases)
    .innerJoin(departments, eq(departments.code, cases.approvalDepartmentCode))
    .where(and(eq(cases.regionCode, regionCode), isNull(cases.closedAt), lt(cases.nextDueAt, asOf)));
  const items: OverdueItem[] = [
    ...taskRows.map((t) => ({ ...t, kind: t.kind!, dueAt: t.dueAt!.toISOString() })),
    ...caseRows.map((c) => ({ ...c, kind: c.kind as OverdueItem['kind'], dueAt: c.dueAt!.toISOString(), taskId: null, divisionCode: null, divisionName: null })),
  ].sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.applicationNo.localeCompare(b.applicationNo) || (a.taskId ?? '').localeCompare(b.taskId ?? ''));
  return { items: items.slice(0, OVERDUE_MAX), total: items.length };
}

/** The report of a live region's month, as it stands at `asOf`. */
export async function monthlyReport(db: Db, region: { code: string; name: string }, month: string, asOf: Date): Promise<MonthlyReport> {
  const { start, end } = monthBounds(month);
  const depts = await db.select().from(departments).where(and(eq(departments.regionCode, region.code), eq(departments.side, 'supervision'))).orderBy(asc(departments.code));
  const departmentCodes = depts.map((d) => d.code);
  const divs = departmentCodes.length ? await db.select().from(divisions).where(inArray(divisions.departmentCode, departmentCodes)).orderBy(asc(divisions.code)) : [];
  const period = { start, end, departmentCodes };
  const [timely, loop] = await Promise.all([timeliness(db, period, asOf), loopFigures(db, period)]);
  const key = (r: { departmentCode: string; divisionCode: string }) => `${r.departmentCode}\u0000${r.divisionCode}`;
  const timelyBy = new Map<string, TimelinessRow>(timely.map((r) => [key(r), r]));
  const loopBy = new Map<string, LoopFiguresRow>(loop.map((r) => [key(r), r]));
  const departmentsOut = depts.map((d) => {
    const divisionsOut = divs
      .filter((v) => v.departmentCode === d.code)
      .map((v) => {
        const k = key({ departmentCode: d.code, divisionCode: v.code });
        const t = timelyBy.get(k);
        const { departmentCode: _d, divisionCode: _v, medianClaimWorkingHours, ...tf } = t ?? { departmentCode: '', divisionCode: '', medianClaimWorkingHours: null };
        const { departmentCode: _d2, divisionCode: _v2, ...lf } = loopBy.get(k) ?? { departmentCode: '', divisionCode: '' };
        return { code: v.code, name: v.name, medianClaimWorkingHours, ...sum([tf, lf]) };
      });
    return { code: d.code, name: d.name, totals: sum(divisionsOut), divisions: divisionsOut };
  });
  const ranking = [...departmentsOut]
    .sort((a, b) => (b.totals.claimOnTimeRate ?? -1) - (a.totals.claimOnTimeRate ?? -1) || b.totals.received - a.totals.received || a.code.localeCompare(b.code))
    .map((d, i) => ({ rank: i + 1, departmentCode: d.code, name: d.name, claimOnTimeRate: d.totals.claimOnTimeRate, received: d.totals.received, late: d.totals.claimedLate + d.totals.unclaimedPastDeadline }));

  const first = addMonths(month, -11);
  const byMonth = await timelinessByMonth(db, { start: monthBounds(first).start, end, departmentCodes }, asOf);
  const trend: TrendPoint[] = Array.from({ length: 12 }, (_, i) => {
    const m = addMonths(first, i);
    const f = sum(byMonth.get(m) ?? []);
    return { month: m, received: f.received, claimedOnTime: f.claimedOnTime, claimedLate: f.claimedLate, unclaimedPastDeadline: f.unclaimedPastDeadline, feedbackOnTime: f.feedbackOnTime, feedbackLate: f.feedbackLate, claimOnTimeRate: f.claimOnTimeRate };
  });
  const [prev, cur] = [trend[10]!, trend[11]!];
  const points = prev.claimOnTimeRate === null || cur.claimOnTimeRate === null ? null : Math.round((cur.claimOnTimeRate - prev.claimOnTimeRate) * 1000) / 10;
  const [overdue, outside] = await Promise.all([overdueNow(db, region.code, departmentCodes, asOf), outsideWork(db, region.code, start, end, asOf)]);
  return {
    region: { code: region.code, name: region.name },
    month,
    period: { from: start.toISOString(), to: end.toISOString(), timeZone: 'Asia/Shanghai' },
    asOf: asOf.toISOString(),
    totals: sum(departmentsOut.map((d) => d.totals)),
    departments: departmentsOut,
    ranking,
    trend,
    change: { previousMonth: prev.month, received: cur.received - prev.received, claimOnTimeRatePoints: points },
    overdue: overdue.items,
    overdueTotal: overdue.total,
    outsideWork: outside,
  };
}

/** JSON with every object's keys sorted: the form the hash is taken of (jsonb does not keep key order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export const reportHash = (report: unknown): string => createHash('sha256').update(canonicalJson(report)).digest('hex');

export type KeptReport = typeof monthlyReports.$inferSelect;

export async function keptReport(db: Db, regionCode: string, month: string): Promise<KeptReport | undefined> {
  const [row] = await db.select().from(monthlyReports).where(and(eq(monthlyReports.regionCode, regionCode), eq(monthlyReports.month, month)));
  return row;
}

/** Keeps a region's report of a month once: the first one produced stands, a repeat gets it back (`created` false). */
export async function keepReport(db: Db, report: MonthlyReport, producedAt: Date): Promise<{ row: KeptReport; created: boolean }> {
  const [inserted] = await db
    .insert(monthlyReports)
    .values({ regionCode: report.region.code, month: report.month, report: report as unknown as Record<string, unknown>, sha256: reportHash(report), producedAt })
    .onConflictDoNothing({ target: [monthlyReports.regionCode, monthlyReports.month] })
    .returning();
  if (inserted) return { row: inserted, created: true };
  return { row: (await keptReport(db, report.region.code, report.month))!, created: false };
}
