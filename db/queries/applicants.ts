// The applicant portrait (企业画像): an enterprise's cases, tasks, credit records and profile.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { cases, creditProfiles, creditRecords, tasks } from '../schema/index.js';
import { rehearsalRegions } from './catalog.js';
import { taskRowsAsOfNow } from './tasks.js';
import { complaintsAbout } from './complaints.js';

/** The newest 500 cases, 1000 tasks (overdue as of now) and 500 credit records of a credit code, and its credit profile. */
export async function applicantRecords(db: Db, creditCode: string) {
  const [caseRows, taskRows, records, [profile], complaintRows] = await Promise.all([
    // A rehearsal's cases are not the enterprise's record (培训演练 apart).
    db.select().from(cases).where(and(eq(cases.applicantCreditCode, creditCode), sql`${cases.regionCode} not in ${rehearsalRegions}`)).orderBy(desc(cases.createdAt)).limit(500),
    db.select(taskRowsAsOfNow).from(tasks).where(and(eq(tasks.applicantCreditCode, creditCode), sql`${tasks.regionCode} not in ${rehearsalRegions}`)).orderBy(desc(tasks.pushedAt)).limit(1000),
    db.select().from(creditRecords).where(and(eq(creditRecords.creditCode, creditCode), sql`coalesce(${creditRecords.applicationNo} not in (select application_no from ${cases} where region_code in ${rehearsalRegions}), true)`)).orderBy(desc(creditRecords.id)).limit(500),
    db.select().from(creditProfiles).where(eq(creditProfiles.creditCode, creditCode)),
    complaintsAbout(db, creditCode, new Date()),
  ]);
  return { cases: caseRows, tasks: taskRows, creditRecords: records, profile, complaints: complaintRows };
}

/**
 * Whether the caller has any part in an enterprise: a case of it in the approval department or
 * the region, or a task of it in the supervising department (its division, when it has one).
 */
export async function hasPartIn(db: Db, creditCode: string, p: { role: string; department?: string; division?: string; region?: string }): Promise<boolean> {
  const exists = async (q: Promise<unknown[]>) => (await q).length > 0;
  if (p.role === 'approval' && p.department) return exists(db.select({ x: sql`1` }).from(cases).where(and(eq(cases.applicantCreditCode, creditCode), eq(cases.approvalDepartmentCode, p.department))).limit(1));
  if (p.role === 'regional-admin' && p.region) return exists(db.select({ x: sql`1` }).from(cases).where(and(eq(cases.applicantCreditCode, creditCode), eq(cases.regionCode, p.region))).limit(1));
  if (p.role === 'supervision' && p.department) {
    const own = p.division ? and(eq(tasks.departmentCode, p.department), eq(tasks.divisionCode, p.division)) : eq(tasks.departmentCode, p.department);
    return exists(db.select({ x: sql`1` }).from(tasks).where(and(eq(tasks.applicantCreditCode, creditCode), own)).limit(1));
  }
  return false;
}
