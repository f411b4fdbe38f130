// Department notices (docs/notices.md), the activities of workflows/departmentNotice.ts: the row
// and its window (the holder region's claim window), the division of powers (市县分工), each hop,
// the answer, the escalation, and the licence that closes a registration notice (后置审批). Every
// step goes on the notice's own trail (its id is the trail's key) and the receipt also on the
// trail of its origin (the revoking case, the reporting task's case, the registration), so both
// sides show it.
import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { approvalItems, cases, deadlinePolicies, departmentNotices, departments, powerDivisions, regions, tasks, type NoticeHop } from '../db/schema/index.js';
import { snapshotOf } from '../db/policies.js';
import { FailureType, noticeLicensedSignal, type Actor, type DepartmentNoticeInput } from '../workflows/contracts.js';
import { formatShanghai } from '../workflows/domain/format.js';
import type { EscalationTarget } from '../workflows/notices.js';
import type { Ctx } from './context.js';
import { notify, type NotifyInput } from './notify.js';
import { claimDue } from './policy.js';
import { importYear, movedStep, recordStep, type StepRecord, type Writer } from './steps.js';

type NoticeRow = typeof departmentNotices.$inferSelect;
const OPEN = ['awaiting-claim', 'awaiting-acknowledgement'];

const catalogError = (message: string) => ApplicationFailure.create({ type: FailureType.CatalogError, message, nonRetryable: true });

/** A department, its region and that region's deadline policy. */
async function departmentTerms(db: Db, code: string) {
  const [row] = await db
    .select({ code: departments.code, regionCode: departments.regionCode, policy: deadlinePolicies })
    .from(departments)
    .innerJoin(regions, eq(regions.code, departments.regionCode))
    .leftJoin(deadlinePolicies, eq(deadlinePolicies.code, regions.deadlinePolicy))
    .where(eq(departments.code, code));
  if (!row) throw catalogError(`department ${code} not found`);
  if (!row.policy) throw catalogError(`the deadline policy of region ${row.regionCode} was not found`);
  return { ...row, policy: snapshotOf(row.policy) };
}

async function itemName(db: Db, code: string | null): Promise<string | null> {
  if (!code) return null;
  const [i] = await db.select({ name: approvalItems.name }).from(approvalItems).where(eq(approvalItems.code, code));
  return i?.name ?? null;
}

/** What the workflow keeps of the holder: whom to tell and when it is due. */
async function holderOf(db: Db, row: NoticeRow) {
  return {
    departmentCode: row.departmentCode,
    divisionCode: row.divisionCode,
    regionCode: row.regionCode,
    itemCode: row.itemCode,
    itemName: await itemName(db, row.itemCode),
    dueAt: row.dueAt.toISOString(),
    remindAt: row.remindAt?.toISOString() ?? null,
    period: `${row.policy.claimWindow} ${row.policy.unit === 'minute' ? 'minutes (training)' : 'working days'}`,
    escalateTo: row.policy.claimEscalateTo as EscalationTarget[],
  };
}

/** The step on the notice's own trail, and its twin on the origin's trail (the other side). */
async function recordBoth(w: Writer, row: Pick<NoticeRow, 'noticeId' | 'originTrail' | 'taskId' | 'applicationNo'>, step: Omit<StepRecord, 'applicationNo' | 'key'> & { key: string }, at: Date): Promise<void> {
  await recordStep(w, { ...step, key: `${row.noticeId}:${step.key}`, applicationNo: row.noticeId, taskId: undefined, detail: { ...step.detail, noticeId: row.noticeId } }, at);
  await recordStep(w, { ...step, key: `${row.originTrail}:${row.noticeId}:${step.key}`, applicationNo: row.originTrail, taskId: row.originTrail === row.applicationNo ? (row.taskId ?? undefined) : undefined, detail: { ...step.detail, noticeId: row.noticeId } }, at);
}

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

export interface ForwardInput {
  noticeId: string;
  toDepartment: string;
  by: NoticeHop['by'];
  reason: string;
  actor: Actor;
  /** The holder's own item (the division of powers names it). */
  itemCode?: string;
  level?: string;
}

/**
 * 转办: the notice moves to another department, its window opened again there (that region's
 * policy and calendar), the hop on both trails. Keyed by the hop's number: a retry finds the hop made.
 */
export async function forwardNotice(ctx: Ctx, input: ForwardInput) {
  const { db } = ctx;
  const now = ctx.clock();
  const d = await departmentTerms(db, input.toDepartment);
  const due = claimDue(await ctx.calendar.current(d.regionCode), d.policy, now);
  const row = await db.transaction(async (tx) => {
    const [r] = await tx.select().from(departmentNotices).where(eq(departmentNotices.noticeId, input.noticeId)).for('update');
    if (!r) throw catalogError(`notice ${input.noticeId} not found`);
    if (r.departmentCode === d.code) return r; // made already (a retry)
    const hop: NoticeHop = { from: r.departmentCode, to: d.code, by: input.by, reason: input.reason, actor: input.actor, at: now.toISOString(), ...(input.level && { level: input.level }) };
    const [u] = await tx
      .update(departmentNotices)
      .set({ departmentCode: d.code, divisionCode: null, regionCode: d.regionCode, itemCode: input.itemCode ?? r.itemCode, policy: d.policy, openedAt: now, dueAt: new Date(due.dueAt), dueProvisional: due.provisional, remindAt: due.remindAt ? new Date(due.remindAt) : null, overdue: false, hops: [...r.hops, hop], updatedAt: now })
      .where(eq(departmentNotices.noticeId, input.noticeId))
      .returning();
    const how = input.by === 'division-of-powers' ? 'by the division of powers' : `by ${input.actor.sub}`;
    await recordBoth(tx, r, { key: `hop-${r.hops.length + 1}`, kind: 'notice-forwarded', summary: `forwarded from ${r.departmentCode} to ${d.code} ${how}: ${input.reason}; due ${formatShanghai(due.dueAt)} (${due.period})`, actor: input.actor, detail: { ...hop } }, now);
    return u!;
  });
  return holderOf(db, row);
}

/** 认领 / 签收: the holder took the notice on; on both trails, with its timeliness. */
export async function answerNotice(ctx: Ctx, input: { noticeId: string; actor: Actor; note?: string; at: string; onTime: boolean }): Promise<void> {
  const at = new Date(input.at);
  await ctx.db.transaction(async (tx) => {
    const [r] = await tx.select().from(departmentNotices).where(eq(departmentNotices.noticeId, input.noticeId));
    if (!r) throw catalogError(`notice ${input.noticeId} not found`);
    const status = r.kind === 'registration' ? 'claimed' : 'acknowledged';
    await tx
      .update(departmentNotices)
      .set({ status, answeredAt: at, answeredBy: input.actor, answerNote: input.note ?? null, updatedAt: ctx.clock() })
      .where(and(eq(departmentNotices.noticeId, input.noticeId), inArray(departmentNotices.status, OPEN)));
    const verb = r.kind === 'registration' ? 'claimed (认领)' : 'acknowledged (签收, 双反馈)';
    await recordBoth(tx, r, { key: 'answered', kind: r.kind === 'registration' ? 'notice-claimed' : 'notice-acknowledged', summary: `${verb} by ${input.actor.sub} of ${r.departmentCode}${input.onTime ? '' : ' (after the deadline)'}${input.note ? `: ${input.note}` : ''}`, actor: input.actor, detail: { onTime: input.onTime } }, at);
  });
}

/** The window passed unanswered: overdue on both trails, then each escalation notice (every part keyed). */
export async function escalateNotice(ctx: Ctx, input: { noticeId: string; dueAt: string; notices: NotifyInput[] }): Promise<void> {
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const [r] = await tx.update(departmentNotices).set({ overdue: true, escalatedAt: sql`coalesce(${departmentNotices.escalatedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now }).where(eq(departmentNotices.noticeId, input.noticeId)).returning();
    if (!r) throw catalogError(`notice ${input.noticeId} not found`);
    const to = input.notices.map((n) => n.recipient.kind).join(' and ');
    await recordBoth(tx, r, { key: `overdue:${input.dueAt}`, kind: 'notice-overdue', summary: `not answered by ${r.departmentCode} by ${formatShanghai(input.dueAt)}: overdue, escalated to ${to || 'nobody (no ladder)'}`, detail: { dueAt: input.dueAt } }, now);
  });
  for (const n of input.notices) await notify(ctx, n);
}

/** The notice's window after a calendar import: from its opening again, under the policy it keeps. */
export async function retimeNotice(ctx: Ctx, input: { noticeId: string; importId: number; dueAt: string; remindAt: string | null }) {
  const [r] = await ctx.db.select().from(departmentNotices).where(eq(departmentNotices.noticeId, input.noticeId));
  if (!r || !OPEN.includes(r.status)) return { dueAt: input.dueAt, remindAt: input.remindAt };
  const due = claimDue(await ctx.calendar.current(r.regionCode), r.policy, r.openedAt);
  if (due.dueAt === input.dueAt) return { dueAt: due.dueAt, remindAt: due.remindAt };
  const now = ctx.clock();
  const step = movedStep({ key: `${r.noticeId}:retimed:${input.importId}`, applicationNo: r.noticeId, label: 'notice deadline', window: 'notice', from: input.dueAt, to: due.dueAt, importId: input.importId, year: await importYear(ctx.db, input.importId) });
  await ctx.db.transaction(async (tx) => {
    await tx.update(departmentNotices).set({ dueAt: new Date(due.dueAt), dueProvisional: due.provisional, remindAt: due.remindAt ? new Date(due.remindAt) : null, updatedAt: now }).where(eq(departmentNotices.noticeId, r.noticeId));
    await recordStep(tx, step, now);
  });
  return { dueAt: due.dueAt, remindAt: due.remindAt };
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

/**
 * 后置审批 done: the holder's licence for the credit code and item answers its registration
 * notices — claimed, or still waiting (then the notice's workflow is told, and stops waiting).
 * Called by the activities that issue a licence; keyed per notice, so a retry writes nothing twice.
 */
export async function closeNoticesByLicence(ctx: Ctx, applicationNo: string): Promise<void> {
  const { db } = ctx;
  const [c] = await db.select().from(cases).where(eq(cases.applicationNo, applicationNo));
  if (!c) return;
  const now = ctx.clock();
  const open = await db
    .select()
    .from(departmentNotices)
    .where(and(eq(departmentNotices.kind, 'registration'), eq(departmentNotices.creditCode, c.applicantCreditCode), eq(departmentNotices.departmentCode, c.approvalDepartmentCode), eq(departmentNotices.itemCode, c.itemCode), inArray(departmentNotices.status, ['awaiting-claim', 'claimed'])));
  for (const r of open) {
    await db.transaction(async (tx) => {
      await tx.update(departmentNotices).set({ status: 'licensed', licensedApplicationNo: applicationNo, licensedAt: now, updatedAt: now }).where(eq(departmentNotices.noticeId, r.noticeId));
      const summary = `licensed: ${c.approvalDepartmentCode} issued the licence of ${c.itemCode} to ${c.applicantCreditCode} in case ${applicationNo}${r.status === 'awaiting-claim' ? ' (before the notice was claimed)' : ''}; 后置审批 done`;
      await recordBoth(tx, r, { key: 'licensed', kind: 'notice-licensed', summary, detail: { applicationNo } }, now);
      await recordStep(tx, { key: `${applicationNo}:notice-licensed:${r.noticeId}`, applicationNo, kind: 'notice-licensed', summary: `the licence answers registration notice ${r.noticeId} (双告知)`, detail: { noticeId: r.noticeId } }, now);
    });
    if (r.status === 'awaiting-claim') await ctx.temporal?.workflow.getHandle(r.noticeId).signal(noticeLicensedSignal, { applicationNo }).catch(() => undefined);
  }
}

export const notice = { openNotice, forwardNotice, answerNotice, escalateNotice, retimeNotice, revocationConcerns };
