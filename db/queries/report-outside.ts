// Work from outside the approval in the monthly 通报 (issue #28; docs/reports.md): per department
// of the region, the complaints it received in the month (12345 / 12315) and whether it replied
// within the reply window, and the department notices (双告知 to claim, 联动告知 to acknowledge)
// it received and whether it answered within the window. Counted, like the tasks, by the month
// the work arrived in (Asia/Shanghai) and as it stands at `asOf`.
import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { complaints, departmentNotices, departments } from '../schema/index.js';

export interface ComplaintFigures {
  received: number;
  repliedOnTime: number;
  repliedLate: number;
  unrepliedPastDeadline: number;
  unrepliedOpen: number;
}

export interface NoticeFigures {
  received: number;
  /** Claimed (双告知) or acknowledged (联动告知) by the deadline. */
  answeredOnTime: number;
  answeredLate: number;
  /** A registration notice closed by the licence (后置审批) before anyone claimed it. */
  licensedUnclaimed: number;
  unansweredPastDeadline: number;
  unansweredOpen: number;
}

export interface OutsideWork {
  totals: { complaints: ComplaintFigures; notices: NoticeFigures };
  /** Departments with a complaint or a notice in the month, by code. */
  departments: Array<{ code: string; name: string; complaints: ComplaintFigures; notices: NoticeFigures }>;
}

const n = (expr: ReturnType<typeof sql>) => sql<number>`count(*) filter (where ${expr})::int`;

function complaintCounts(db: Db, regionCode: string, start: Date, end: Date, asOf: Date) {
  const c = complaints;
  const now = asOf.toISOString();
  return db
    .select({
      departmentCode: c.departmentCode,
      received: sql<number>`count(*)::int`,
      repliedOnTime: n(sql`${c.repliedAt} <= ${c.replyDueAt}`),
      repliedLate: n(sql`${c.repliedAt} > ${c.replyDueAt}`),
      unrepliedPastDeadline: n(sql`${c.repliedAt} is null and ${c.replyDueAt} < ${now}::timestamptz`),
      unrepliedOpen: n(sql`${c.repliedAt} is null and ${c.replyDueAt} >= ${now}::timestamptz`),
    })
    .from(c)
    .where(and(eq(c.regionCode, regionCode), gte(c.receivedAt, start), lt(c.receivedAt, end)))
    .groupBy(c.departmentCode);
}

function noticeCounts(db: Db, regionCode: string, start: Date, end: Date, asOf: Date) {
  const d = departmentNotices;
  const now = asOf.toISOString();
  const unanswered = sql`${d.answeredAt} is null and ${d.status} in ('awaiting-claim', 'awaiting-acknowledgement')`;
  return db
    .select({
      departmentCode: d.departmentCode,
      received: sql<number>`count(*)::int`,
      answeredOnTime: n(sql`${d.answeredAt} <= ${d.dueAt}`),
      answeredLate: n(sql`${d.answeredAt} > ${d.dueAt}`),
      licensedUnclaimed: n(sql`${d.answeredAt} is null and ${d.status} = 'licensed'`),
      unansweredPastDeadline: n(sql`${unanswered} and ${d.dueAt} < ${now}::timestamptz`),
      unansweredOpen: n(sql`${unanswered} and ${d.dueAt} >= ${now}::timestamptz`),
    })
    .from(d)
    .where(and(eq(d.regionCode, regionCode), gte(d.createdAt, start), lt(d.createdAt, end)))
    .groupBy(d.departmentCode);
}

const NO_COMPLAINTS: ComplaintFigures = { received: 0, repliedOnTime: 0, repliedLate: 0, unrepliedPastDeadline: 0, unrepliedOpen: 0 };
const NO_NOTICES: NoticeFigures = { received: 0, answeredOnTime: 0, answeredLate: 0, licensedUnclaimed: 0, unansweredPastDeadline: 0, unansweredOpen: 0 };

function add<T extends object>(a: T, b: T): T {
  return Object.fromEntries(Object.keys(a).map((k) => [k, (a[k as keyof T] as number) + (b[k as keyof T] as number)])) as T;
}

/** The region's complaints and notices of the month, per holding department (a notice counts at the department that holds it now). */
export async function outsideWork(db: Db, regionCode: string, start: Date, end: Date, asOf: Date): Promise<OutsideWork> {
  const [byComplaint, byNotice, names] = await Promise.all([
    complaintCounts(db, regionCode, start, end, asOf),
    noticeCounts(db, regionCode, start, end, asOf),
    db.select({ code: departments.code, name: departments.name }).from(departments).orderBy(asc(departments.code)),
  ]);
  const codes = new Set([...byComplaint, ...byNotice].map((r) => r.departmentCode));
  const pick = <T extends object>(rows: Array<{ departmentCode: string } & T>, code: string, zero: T): T => {
    const row = rows.find((r) => r.departmentCode === code);
    if (!row) return { ...zero };
    const { departmentCode: _c, ...figures } = row;
    return figures as unknown as T;
  };
  const out = [...codes].sort().map((code) => ({ code, name: names.find((d) => d.code === code)?.name ?? code, complaints: pick(byComplaint, code, NO_COMPLAINTS), notices: pick(byNotice, code, NO_NOTICES) }));
  return {
    totals: { complaints: out.reduce((s, d) => add(s, d.complaints), NO_COMPLAINTS), notices: out.reduce((s, d) => add(s, d.notices), NO_NOTICES) },
    departments: out,
  };
}
