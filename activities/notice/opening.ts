// Opening a department notice (双告知, 联动告知): the row at its first holder with its window, the
// division of powers (市县分工) that may send a registration's notice on to another department,
// and the departments a revocation's 联动告知 concerns.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { approvalItems, cases, deadlinePolicies, departmentNotices, departments, powerDivisions, regions, tasks } from '../../db/schema/index.js';
import type { DepartmentNoticeInput } from '../../workflows/contracts.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Ctx } from '../context.js';
import { claimDue } from '../policy.js';
import { catalogError, departmentTerms, holderOf, recordBoth } from './holder.js';

/** 市县分工: the entry for the enterprise's county first, then for the item's own region. */
async function divisionOfPowers(db: Db, itemCode: string, districtCode: string | undefined) {
  const [item] = await db.select({ regionCode: approvalItems.regionCode }).from(approvalItems).where(eq(approvalItems.code, itemCode));
  const areas = [districtCode, item?.regionCode].filter((a): a is string => Boolean(a));
  if (areas.length === 0) return undefined;
  const rows = await db.select().from(powerDivisions).where(and(eq(powerDivisions.approvalItemCode, itemCode), inArray(powerDivisions.regionCode, areas)));
  return rows.sort((a, b) => areas.indexOf(a.regionCode) - areas.indexOf(b.regionCode))[0];
}

/**
 * Opens the notice at its first holder: the row with its window (the holder region's claim
 * window and ladder), on both trails. A registration's item whose power the division of powers
 * gives to another department answers the forward for the workflow to make. A retry answers the
 * stored row.
 */
export async function openNotice(ctx: Ctx, input: DepartmentNoticeInput) {
  const { db } = ctx;
  const now = ctx.clock();
  const d = await departmentTerms(db, input.to.departmentCode);
  const due = claimDue(await ctx.calendar.current(d.regionCode), d.policy, now);
  const row = await db.transaction(async (tx) => {
    const [r] = await tx
      .insert(departmentNotices)
      .values({
        noticeId: input.noticeId,
        kind: input.kind,
        status: input.kind === 'registration' ? 'awaiting-claim' : 'awaiting-acknowledgement',
        regionCode: d.regionCode,
        departmentCode: d.code,
        divisionCode: input.to.divisionCode ?? null,
        raisedBy: input.raisedBy,
        raisedByDepartment: input.raisedBy.department ?? null,
        registrationId: input.registrationId ?? null,
        applicationNo: input.applicationNo ?? null,
        taskId: input.taskId ?? null,
        originTrail: input.originTrail,
        creditCode: input.creditCode,
        subjectName: input.subjectName,
        itemCode: input.itemCode ?? null,
        matter: input.matter,
        policy: d.policy,
        openedAt: now,
        dueAt: new Date(due.dueAt),
        dueProvisional: due.provisional,
        remindAt: due.remindAt ? new Date(due.remindAt) : null,
      })
      .onConflictDoUpdate({ target: departmentNotices.noticeId, set: { noticeId: sql`excluded.notice_id` } })
      .returning();
    const to = `${d.code}${input.to.divisionCode ? ` / ${input.to.divisionCode}` : ''}`;
    const verb = input.kind === 'registration' ? 'claim (认领)' : 'acknowledge (签收)';
    await recordBoth(tx, r!, { key: 'raised', kind: 'notice-raised', summary: `${input.kind === 'registration' ? '双告知' : '联动告知'} to ${to}: ${input.matter}; ${verb} due ${formatShanghai(r!.dueAt)} (${due.period})`, actor: input.raisedBy, detail: { kind: input.kind, to, dueAt: r!.dueAt.toISOString() } }, now);
    return r!;
  });
  const holder = await holderOf(db, row);
  if (input.kind !== 'registration' || !row.itemCode || row.hops.length > 0) return { ...holder, forward: null };
  const power = await divisionOfPowers(db, row.itemCode, input.districtCode);
  if (!power || power.holderDepartmentCode === row.departmentCode) return { ...holder, forward: null };
  const reason = `市县分工 (v${power.version}): the ${power.level} level holds ${row.itemCode} for ${power.regionCode}, at ${power.holderDepartmentCode}${power.legalBasis ? ` (${power.legalBasis})` : ''}`;
  return { ...holder, forward: { toDepartment: power.holderDepartmentCode, reason, level: power.level, itemCode: power.holderItemCode ?? row.itemCode } };
}

/**
 * 联动告知 of a revocation: the departments it concerns — those the case's catalog version links
 * (its supervising divisions), and those with work of the same enterprise (a task, or a case of
 * another approval department) — in the case's world (live or rehearsal), the revoking department left out.
 */
export async function revocationConcerns({ db }: Ctx, input: { applicationNo: string }): Promise<Array<{ departmentCode: string; divisionCode?: string }>> {
  const [c] = await db.select().from(cases).where(eq(cases.applicationNo, input.applicationNo));
  if (!c) throw catalogError(`case ${input.applicationNo} not found`);
  const found = new Map<string, string | undefined>();
  for (const l of c.pinnedLinkages ?? []) if (!found.has(l.departmentCode)) found.set(l.departmentCode, l.divisionCode);
  const related = await db.select({ department: tasks.departmentCode, division: tasks.divisionCode }).from(tasks).where(eq(tasks.applicantCreditCode, c.applicantCreditCode)).orderBy(tasks.taskId);
  for (const t of related) if (!found.has(t.department)) found.set(t.department, t.division);
  const others = await db.selectDistinct({ department: cases.approvalDepartmentCode }).from(cases).where(and(eq(cases.applicantCreditCode, c.applicantCreditCode), inArray(cases.licenceStatus, ['issued', 'granted-on-commitment'])));
  for (const o of others) if (!found.has(o.department)) found.set(o.department, undefined);
  found.delete(c.approvalDepartmentCode);
  if (found.size === 0) return [];
  // The case's world: a rehearsal's notice never reaches a live department, nor the other way round.
  const unitOf = sql<string>`(select p.unit from ${regions} r join ${deadlinePolicies} p on p.code = r.deadline_policy where r.code = ${departments.regionCode})`;
  const [own] = await db.select({ unit: deadlinePolicies.unit }).from(regions).innerJoin(deadlinePolicies, eq(deadlinePolicies.code, regions.deadlinePolicy)).where(eq(regions.code, c.regionCode));
  const same = new Set((await db.select({ code: departments.code, unit: unitOf }).from(departments).where(inArray(departments.code, [...found.keys()]))).filter((d) => d.unit === own?.unit).map((d) => d.code));
  return [...found].filter(([d]) => same.has(d)).sort(([a], [b]) => a.localeCompare(b)).map(([departmentCode, divisionCode]) => ({ departmentCode, ...(divisionCode && { divisionCode }) }));
}

export const opening = { openNotice, revocationConcerns };
