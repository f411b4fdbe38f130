// Cases waiting for their decision, routed and not yet decided, written by SQL (thousands in a
// few seconds) for the calendar re-timing tests: `<prefix>-<n>` with n zero-padded to `digits`.
import { eq, like, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { auditEvents, calendarDays, calendarYears, cases } from '../../db/schema/index.js';

export async function insertWaitingCases(db: Db, w: { prefix: string; n: number; digits: number; decisionDueAt: string; routedAt: string }): Promise<void> {
  const no = sql`${w.prefix} || '-' || lpad(i::text, ${w.digits}, '0')`;
  await db.execute(sql`
    insert into cases (application_no, workflow_id, item_code, item_version, approval_department_code, region_code, applicant_credit_code, applicant_name, applicant_phone, requested_route, request_hash, stage, submitted_by, decision_due_at, decision_due_provisional, decision_window)
    select ${no}, 'case-' || ${no}, 'SP-FOOD-01', 1, 'LYG-SPJ', '320700', '91350100M000100Y43', '某公司', '13700000001', 'auto', 'h', 'awaiting-decision', 'test',
           ${w.decisionDueAt}::timestamptz, true, '{"amount": 10, "unit": "working-day", "officeTime": "09:00"}'::jsonb
    from generate_series(1, ${w.n}) i`);
  await db.execute(sql`
    insert into audit_events (event_key, application_no, kind, summary, actor, at)
    select ${no} || ':routed', ${no}, 'routed', 'standard route', '{"sub": "system", "role": "system"}'::jsonb, ${w.routedAt}::timestamptz
    from generate_series(1, ${w.n}) i`);
}

/** Removes what insertWaitingCases wrote, and the test's calendar year. */
export async function removeWaitingCases(db: Db, prefix: string, year: number): Promise<void> {
  await db.delete(auditEvents).where(like(auditEvents.applicationNo, `${prefix}-%`));
  await db.delete(cases).where(like(cases.applicationNo, `${prefix}-%`));
  await db.delete(calendarDays).where(eq(calendarDays.year, year));
  await db.delete(calendarYears).where(eq(calendarYears.year, year));
}
