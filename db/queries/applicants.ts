// The applicant portrait (企业画像): an enterprise's cases, tasks, credit records and profile.
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { cases, creditProfiles, creditRecords, tasks } from '../schema/index.js';

/** The newest 500 cases, 1000 tasks and 500 credit records of a credit code, and its credit profile. */
export async function applicantRecords(db: Db, creditCode: string) {
  const [caseRows, taskRows, records, [profile]] = await Promise.all([
    db.select().from(cases).where(eq(cases.applicantCreditCode, creditCode)).orderBy(desc(cases.createdAt)).limit(500),
    db.select().from(tasks).where(eq(tasks.applicantCreditCode, creditCode)).orderBy(desc(tasks.pushedAt)).limit(1000),
    db.select().from(creditRecords).where(eq(creditRecords.creditCode, creditCode)).orderBy(desc(creditRecords.id)).limit(500),
    db.select().from(creditProfiles).where(eq(creditProfiles.creditCode, creditCode)),
  ]);
  return { cases: caseRows, tasks: taskRows, creditRecords: records, profile };
}
