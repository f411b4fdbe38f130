// The approval side's figures for assessment (考核督查), beside the supervision side's
// timeliness (stats.ts): decisions within the statutory limit, and revocation decisions within
// theirs, per approval department. From the read model and the trail, never from Temporal.
import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { rehearsalRegions } from './catalog.js';

export type ApprovalTimelinessRow = {
  departmentCode: string;
  /** Cases routed in the period, each with its statutory decision deadline. */
  received: number;
  decidedOnTime: number;
  decidedLate: number;
  undecidedPastDeadline: number;
  undecidedOpen: number;
  /** Revocations that became pending in the period (supervision asked, or materials overdue). */
  revocationsPending: number;
  revocationsDecidedOnTime: number;
  revocationsDecidedLate: number;
  revocationsUndecidedPastDeadline: number;
};

/**
 * Per approval department, for cases routed and revocations pending in [start, end). A
 * revocation's deadline is the latest the trail gives it (a calendar import may have moved it);
 * its decision is the revocation or an extension of the commitment, whichever came first.
 */
export async function approvalTimeliness(db: Db, f: { start: Date; end: Date; departmentCodes?: string[]; rehearsal?: boolean }, now: Date): Promise<ApprovalTimelinessRow[]> {
  const [start, end, at] = [f.start.toISOString(), f.end.toISOString(), now.toISOString()];
  const world = f.rehearsal ? sql`c.region_code in ${rehearsalRegions}` : sql`c.region_code not in ${rehearsalRegions}`;
  const scope = f.departmentCodes ? sql`and c.approval_department_code in ${f.departmentCodes.length ? f.departmentCodes : ['-']}` : sql``;
  const rows = await db.execute<ApprovalTimelinessRow>(sql`
    with decisions as (
      select c.approval_department_code as dept,
             count(*)::int as received,
             count(*) filter (where c.decided_at <= c.decision_due_at)::int as on_time,
             count(*) filter (where c.decided_at > c.decision_due_at)::int as late,
             count(*) filter (where c.decided_at is null and c.decision_due_at < ${at}::timestamptz)::int as past,
             count(*) filter (where c.decided_at is null and c.decision_due_at >= ${at}::timestamptz)::int as open
      from cases c
      where c.decision_due_at is not null and c.created_at >= ${start}::timestamptz and c.created_at < ${end}::timestamptz and ${world} ${scope}
      group by 1),
    pending as (
      select c.approval_department_code as dept, p.id, p.at,
             coalesce((select (m.detail->>'to')::timestamptz from audit_events m
                        where m.application_no = p.application_no and m.id > p.id and m.kind = 'deadline-moved' and m.detail->>'window' = 'revocation'
                        order by m.id desc limit 1), (p.detail->>'dueAt')::timestamptz) as due_at,
             (select d.at from audit_events d
               where d.application_no = p.application_no and d.id > p.id and d.kind in ('licence-revoked', 'commitment-extended')
               order by d.id limit 1) as decided_at
      from audit_events p join cases c on c.application_no = p.application_no
      where p.kind = 'revocation-pending' and p.at >= ${start}::timestamptz and p.at < ${end}::timestamptz and ${world} ${scope}),
    revocations as (
      select dept, count(*)::int as pending,
             count(*) filter (where decided_at <= due_at)::int as on_time,
             count(*) filter (where decided_at > due_at)::int as late,
             count(*) filter (where decided_at is null and due_at < ${at}::timestamptz)::int as past
      from pending group by 1)
    select coalesce(d.dept, r.dept) as "departmentCode",
           coalesce(d.received, 0) as received, coalesce(d.on_time, 0) as "decidedOnTime", coalesce(d.late, 0) as "decidedLate",
           coalesce(d.past, 0) as "undecidedPastDeadline", coalesce(d.open, 0) as "undecidedOpen",
           coalesce(r.pending, 0) as "revocationsPending", coalesce(r.on_time, 0) as "revocationsDecidedOnTime",
           coalesce(r.late, 0) as "revocationsDecidedLate", coalesce(r.past, 0) as "revocationsUndecidedPastDeadline"
    from decisions d full join revocations r on r.dept = d.dept
    order by 1`);
  return [...rows];
}
