// 投诉举报受理: a hotline ticket becomes a complaint of ours — routed by the catalogs to the
// competent department and division (or the coordinating office when none is competent), its
// reply window opened under the region's policy, linked to the earlier complaints about the same
// enterprise — in one transaction with its steps on the trail (docs/complaints.md).
import { ApplicationFailure } from '@temporalio/activity';
import { and, asc, desc, eq, gt, isNotNull, ne, or, sql } from 'drizzle-orm';
import { confirmedLinkages } from '../../db/catalog.js';
import { snapshotOf, type DeadlinePolicy } from '../../db/policies.js';
import { cases, complaints, deadlinePolicies, departments, divisions, regions } from '../../db/schema/index.js';
import { FailureType, type ClaimWindow, type ComplaintCaseInput } from '../../workflows/contracts.js';
import { computeDeadline } from '../../workflows/domain/deadlines.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { WorkingCalendar } from '../../workflows/domain/working-days.js';
import type { Ctx } from '../context.js';
import { claimDue } from '../policy.js';
import { recordStep, type Writer } from '../steps.js';

/** Earlier complaints about the enterprise count for a year. */
const REPEAT_WINDOW_MS = 365 * 86_400_000;

export type RoutedBy = 'item' | 'enterprise' | 'coordinating-office';
export interface ComplaintRoute {
  departmentCode: string;
  divisionCode: string;
  supervisionItemCode?: string;
  by: RoutedBy;
}

export interface Registered {
  route: ComplaintRoute;
  taskId: string;
  creditCode: string | null;
  subject: string;
  receivedAt: string;
  replyDueAt: string;
  replyRemindAt: string | null;
  replyPeriod: string;
  claimWindow: ClaimWindow;
  repeatOf: string | null;
  earlierComplaints: number;
}

const catalogError = (message: string) => ApplicationFailure.create({ type: FailureType.CatalogError, message, nonRetryable: true });

/** Runs of seven or more digits (a phone, an id number typed into the matter) never reach an SMS or a summary. */
export const maskDigits = (s: string) => s.replace(/\d{7,}/g, (d) => `${d.slice(0, 3)}****${d.slice(-2)}`);

/** What the task is about, one line: the hotline and the start of the matter. */
export const subjectOf = (source: string, matter: string) => `${source}投诉：${[...maskDigits(matter).replace(/\s+/g, ' ')].slice(0, 40).join('')}`;

/** The credit code the hotline gave, else the one a case of ours in the region knows the name by. */
async function creditCodeOf(db: Writer, input: ComplaintCaseInput): Promise<string | null> {
  if (input.enterprise.creditCode) return input.enterprise.creditCode;
  const [c] = await db.select({ code: cases.applicantCreditCode }).from(cases).where(and(eq(cases.regionCode, input.regionCode), eq(cases.applicantName, input.enterprise.name))).orderBy(desc(cases.createdAt)).limit(1);
  return c?.code ?? null;
}

/**
 * 谁主管谁监管: the item's confirmed linkage (the first by department, when several); else the
 * linkage of the enterprise's latest case in the region; else the region's coordinating office
 * (政务办), which dispatches what no department is competent for.
 */
async function routeOf(db: Writer, input: ComplaintCaseInput, creditCode: string | null): Promise<ComplaintRoute> {
  const first = (links: Array<{ departmentCode: string; divisionCode: string; supervisionItemCode: string | null }> | null | undefined) => links?.[0];
  if (input.itemCode) {
    const link = first(await confirmedLinkages(db, input.itemCode));
    if (link) return { departmentCode: link.departmentCode, divisionCode: link.divisionCode, supervisionItemCode: link.supervisionItemCode ?? undefined, by: 'item' };
  }
  if (creditCode) {
    const [c] = await db
      .select({ links: cases.pinnedLinkages })
      .from(cases)
      .where(and(eq(cases.applicantCreditCode, creditCode), eq(cases.regionCode, input.regionCode), isNotNull(cases.pinnedLinkages), sql`jsonb_array_length(${cases.pinnedLinkages}) > 0`))
      .orderBy(desc(cases.createdAt))
      .limit(1);
    const link = first(c?.links);
    if (link) return { departmentCode: link.departmentCode, divisionCode: link.divisionCode, supervisionItemCode: link.supervisionItemCode ?? undefined, by: 'enterprise' };
  }
  const [office] = await db
    .select({ departmentCode: departments.code, divisionCode: divisions.code })
    .from(departments)
    .innerJoin(divisions, eq(divisions.departmentCode, departments.code))
    .where(and(eq(departments.regionCode, input.regionCode), eq(departments.side, 'coordination')))
    .orderBy(asc(departments.code), asc(divisions.code))
    .limit(1);
  if (!office) throw catalogError(`no department is competent for complaint ${input.complaintNo}, and region ${input.regionCode} has no coordinating office with a division to receive it`);
  return { ...office, by: 'coordinating-office' };
}

export async function regionPolicy(db: Writer, regionCode: string): Promise<DeadlinePolicy> {
  const [row] = await db.select({ policy: deadlinePolicies }).from(regions).innerJoin(deadlinePolicies, eq(deadlinePolicies.code, regions.deadlinePolicy)).where(eq(regions.code, regionCode));
  if (!row) throw catalogError(`region ${regionCode} or its deadline policy is not in the catalog`);
  return row.policy;
}

/** The earlier complaints about the same enterprise in the region within the year, oldest first. */
async function earlierOf(db: Writer, input: ComplaintCaseInput, creditCode: string | null, at: Date) {
  const same = creditCode ? or(eq(complaints.creditCode, creditCode), eq(complaints.enterpriseName, input.enterprise.name)) : eq(complaints.enterpriseName, input.enterprise.name);
  return db
    .select({ no: complaints.complaintNo })
    .from(complaints)
    .where(and(eq(complaints.regionCode, input.regionCode), same, ne(complaints.complaintNo, input.complaintNo), gt(complaints.receivedAt, new Date(at.getTime() - REPEAT_WINDOW_MS))))
    .orderBy(asc(complaints.receivedAt));
}

/** The windows of a complaint received at `at`: the reply (per source) and the task's claim. */
async function windowsOf(ctx: Ctx, input: ComplaintCaseInput, at: Date) {
  const policy = await regionPolicy(ctx.db, input.regionCode);
  const calendar = await ctx.calendar.current(input.regionCode);
  const rule = replyRuleOf(policy, input.source);
  const reply = replyDeadline(calendar, rule, at);
  const snapshot = snapshotOf(policy);
  const claimWindow: ClaimWindow = { openedAt: at.toISOString(), ...claimDue(calendar, snapshot, at), policy: snapshot };
  return { reply, rule, claimWindow };
}

export type ReplyRule = NonNullable<(typeof complaints.$inferSelect)['replyWindow']>;
/** The reply period of a source under a region's policy, as the complaint keeps it. */
export const replyRuleOf = (policy: DeadlinePolicy, source: ComplaintCaseInput['source']): ReplyRule => ({ amount: policy.complaintReplyDays[source], unit: policy.unit as ReplyRule['unit'], officeTime: policy.officeTime });
/** The reply deadline counted from the receipt, reminded the working day before. */
export const replyDeadline = (calendar: WorkingCalendar, rule: ReplyRule, receivedAt: Date) => computeDeadline(calendar, rule, receivedAt, rule.amount, 1);

export const taskIdOf = (complaintNo: string, departmentCode: string) => `task-${complaintNo}.${departmentCode}`;

/** The registration as stored: a retry answers what the first attempt recorded. */
async function registeredOf(ctx: Ctx, input: ComplaintCaseInput, row: typeof complaints.$inferSelect): Promise<Registered> {
  const { reply: now, claimWindow } = await windowsOf(ctx, input, row.receivedAt);
  // The rule the complaint opened with, not today's policy: an edited policy does not move it.
  const reply = row.replyWindow ? replyDeadline(await ctx.calendar.current(row.regionCode), row.replyWindow, row.receivedAt) : now;
  return {
    route: { departmentCode: row.departmentCode, divisionCode: row.divisionCode, by: row.routedBy as RoutedBy, ...(await supervisionItemOf(ctx.db, row)) },
    taskId: row.taskId,
    creditCode: row.creditCode,
    subject: subjectOf(row.source, row.matter),
    receivedAt: row.receivedAt.toISOString(),
    replyDueAt: row.replyDueAt.toISOString(),
    replyRemindAt: reply.dueAt === row.replyDueAt.toISOString() ? reply.remindAt : null,
    replyPeriod: reply.period,
    claimWindow,
    repeatOf: row.repeatOf,
    earlierComplaints: row.earlierComplaints,
  };
}

/** The supervision item of the linkage a complaint was routed by (not stored on the complaint: the item's linkage says it). */
async function supervisionItemOf(db: Writer, row: typeof complaints.$inferSelect): Promise<{ supervisionItemCode?: string }> {
  if (row.routedBy !== 'item' || !row.itemCode) return {};
  const link = (await confirmedLinkages(db, row.itemCode)).find((l) => l.departmentCode === row.departmentCode);
  return link?.supervisionItemCode ? { supervisionItemCode: link.supervisionItemCode } : {};
}

export async function registerComplaint(ctx: Ctx, input: ComplaintCaseInput): Promise<Registered> {
  const { db } = ctx;
  const [stored] = await db.select().from(complaints).where(eq(complaints.complaintNo, input.complaintNo));
  if (stored) return registeredOf(ctx, input, stored);
  const at = ctx.clock();
  const creditCode = await creditCodeOf(db, input);
  const route = await routeOf(db, input, creditCode);
  const { reply, rule } = await windowsOf(ctx, input, at);
  const earlier = await earlierOf(db, input, creditCode, at);
  const repeatOf = earlier[0]?.no ?? null;
  const no = input.complaintNo;
  const taskId = taskIdOf(no, route.departmentCode);
  const enterprise = creditCode ?? input.enterprise.name;
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(complaints)
      .values({
        complaintNo: no, source: input.source, ticketId: input.ticketId, requestHash: input.requestHash, regionCode: input.regionCode, creditCode, enterpriseName: input.enterprise.name,
        matter: input.matter, itemCode: input.itemCode ?? null, complainantName: input.complainant.name ?? null, complainantPhone: input.complainant.phone ?? null,
        routedBy: route.by, departmentCode: route.departmentCode, divisionCode: route.divisionCode, taskId, status: 'assigned', receivedAt: at,
        replyDueAt: new Date(reply.dueAt), replyDueProvisional: reply.provisional, replyWindow: rule, repeatOf, earlierComplaints: earlier.length,
      })
      .onConflictDoNothing({ target: complaints.complaintNo })
      .returning({ no: complaints.complaintNo });
    if (inserted.length === 0) return;
    const by = route.by === 'coordinating-office' ? 'no competent department: the coordinating office' : `competent by the ${route.by === 'item' ? "item's linkage" : "enterprise's licence"}`;
    await recordStep(tx, {
      key: `${no}:received`, applicationNo: no, kind: 'complaint-received', actor: input.receivedBy,
      summary: `${input.source} ticket ${input.ticketId} about ${enterprise} received; routed to ${route.departmentCode} / ${route.divisionCode} (${by}); reply due ${formatShanghai(reply.dueAt)} (${reply.period}${reply.provisional ? ', provisional' : ''})`,
      detail: { source: input.source, ticketId: input.ticketId, creditCode, itemCode: input.itemCode ?? null, routedBy: route.by, departmentCode: route.departmentCode, divisionCode: route.divisionCode, taskId, replyDueAt: reply.dueAt },
    }, at);
    if (!repeatOf) return;
    // 重复投诉: on both files — the new complaint names the first, the first hears of each repeat.
    const summary = `complaint ${no} about ${enterprise} is a repeat: ${earlier.length} earlier complaint(s) within a year, the first ${repeatOf}`;
    const detail = { repeatOf, earlierComplaints: earlier.length, complaints: earlier.map((e) => e.no) };
    await recordStep(tx, { key: `${no}:repeat`, applicationNo: no, kind: 'complaint-repeat', summary, detail }, at);
    await recordStep(tx, { key: `${repeatOf}:repeat:${no}`, applicationNo: repeatOf, kind: 'complaint-repeat', summary, detail: { ...detail, complaintNo: no } }, at);
  });
  const [row] = await db.select().from(complaints).where(eq(complaints.complaintNo, no));
  return registeredOf(ctx, input, row!);
}

export const intake = { registerComplaint };
