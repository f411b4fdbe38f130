// The API's reads of complaints: one, a scoped page, and what the enterprise portrait shows of
// them (the complaints about it, and the risk their repetition raises).
import { and, asc, count, desc, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditEvents, cases, complaints } from '../schema/index.js';

export type ComplaintRow = typeof complaints.$inferSelect;

export async function complaintByNo(db: Db, complaintNo: string): Promise<ComplaintRow | undefined> {
  return (await db.select().from(complaints).where(eq(complaints.complaintNo, complaintNo)))[0];
}

/** Who sees which complaints: a division its own, a department head the department's, a regional admin the region's, a hotline the tickets it filed in its region. */
export interface ComplaintScope {
  department?: string;
  division?: string;
  region?: string;
  source?: string;
}
export interface ComplaintFilter extends ComplaintScope {
  status?: string;
  creditCode?: string;
}

export async function complaintPage(db: Db, f: ComplaintFilter, page: { limit: number; offset: number }): Promise<{ rows: ComplaintRow[]; total: number }> {
  const where: SQL[] = [];
  if (f.department) where.push(eq(complaints.departmentCode, f.department));
  if (f.division) where.push(eq(complaints.divisionCode, f.division));
  if (f.region) where.push(eq(complaints.regionCode, f.region));
  if (f.source) where.push(eq(complaints.source, f.source as ComplaintRow['source']));
  if (f.status) where.push(eq(complaints.status, f.status));
  if (f.creditCode) where.push(eq(complaints.creditCode, f.creditCode));
  const filter = and(...where);
  const [rows, [total]] = await Promise.all([
    db.select().from(complaints).where(filter).orderBy(desc(complaints.receivedAt), asc(complaints.complaintNo)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(complaints).where(filter),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** A complaint's trail, oldest first (its own file: the complaint number). */
export function complaintTrail(db: Db, complaintNo: string) {
  return db.select().from(auditEvents).where(eq(auditEvents.applicationNo, complaintNo)).orderBy(asc(auditEvents.id));
}

/** The enterprise's name as a case of ours in the region knows it, for a ticket that gave only its code. */
export async function knownEnterpriseName(db: Db, creditCode: string, regionCode: string): Promise<string | undefined> {
  const [c] = await db.select({ name: cases.applicantName }).from(cases).where(and(eq(cases.applicantCreditCode, creditCode), eq(cases.regionCode, regionCode))).orderBy(desc(cases.createdAt)).limit(1);
  return c?.name;
}

/** 投诉风险: two complaints about an enterprise within a year raise its risk; three or more make it high. */
export const complaintRisk = (lastYear: number): 'normal' | 'elevated' | 'high' => (lastYear >= 3 ? 'high' : lastYear >= 2 ? 'elevated' : 'normal');

/** The complaints about a credit code (newest 100) and how many came within the year before `now`. */
export async function complaintsAbout(db: Db, creditCode: string, now: Date) {
  const yearAgo = new Date(now.getTime() - 365 * 86_400_000);
  const [rows, [recent]] = await Promise.all([
    db.select().from(complaints).where(eq(complaints.creditCode, creditCode)).orderBy(desc(complaints.receivedAt)).limit(100),
    db.select({ n: sql<number>`count(*)::int` }).from(complaints).where(and(eq(complaints.creditCode, creditCode), gt(complaints.receivedAt, yearAgo))),
  ]);
  return { rows, lastYear: recent?.n ?? 0 };
}
