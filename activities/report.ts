// The monthly 通报's effects (workflows/monthlyReport.ts): which regions are due today (the first
// working day of the month in each region's calendar, Asia/Shanghai), producing and keeping a
// region's report of the month before, and telling the region's coordinating office (政务办).
// Each is keyed by (region, month): the report's row is unique on it and the SMS's business key
// is `report:<region>:<month>:coordinating-office`, so a retry keeps one and sends one.
import { ApplicationFailure } from '@temporalio/activity';
import { eq, sql } from 'drizzle-orm';
import { monthlyReports, notifications } from '../db/schema/index.js';
import { addMonths, keepReport, keptReport, liveRegionCodes, monthlyReport, reportRegion } from '../db/queries/reports.js';
import { dateOf, dayOf, shanghaiDayOf } from '../workflows/domain/working-days.js';
import { FailureType } from '../workflows/contracts.js';
import { maskPhone, resolveRecipient } from './notify.js';
import { renderMessage } from './messages.js';
import type { Ctx } from './context.js';

export interface ReportsDueInput {
  /** Only these regions (a test's); absent: every live region. */
  regions?: string[];
}

export interface ReportsDue {
  /** Today in Asia/Shanghai (YYYY-MM-DD). */
  today: string;
  /** The month being reported: the one before today's. */
  month: string;
  /** The regions whose first working day of the month has come and whose report of `month` is not kept yet. */
  due: string[];
}

export interface MonthlyReportInput {
  regionCode: string;
  month: string;
}

const notFound = (what: string) => ApplicationFailure.create({ type: FailureType.CatalogError, message: `${what} not found`, nonRetryable: true });

/**
 * The regions whose report of last month is due: the first working day of this month in the
 * region's calendar (its own days over the national) has come, and no report is kept yet. "Has
 * come", not "is today": a day the schedule could not run (the server or the worker down past
 * the catch-up window) is made up by the next day's run; the kept row ends it for the month.
 */
async function reportsDueToday(ctx: Ctx, input: ReportsDueInput): Promise<ReportsDue> {
  const today = shanghaiDayOf(ctx.clock());
  const date = dateOf(today);
  const month = addMonths(date.slice(0, 7), -1);
  const live = await liveRegionCodes(ctx.db);
  const regions = input.regions ? live.filter((r) => input.regions!.includes(r)) : live;
  const firstOfMonth = dayOf(`${date.slice(0, 7)}-01`);
  const due: string[] = [];
  for (const region of regions) {
    const calendar = await ctx.calendar.current(region);
    if (today >= calendar.nthWorkingDayAfter(firstOfMonth - 1, 1) && !(await keptReport(ctx.db, region, month))) due.push(region);
  }
  return { today: date, month, due };
}

/** Produces the region's report of the month and keeps it, once: a retry gets the kept one. */
async function produceMonthlyReport(ctx: Ctx, input: MonthlyReportInput): Promise<{ reportId: number; sha256: string; created: boolean }> {
  const kept = await keptReport(ctx.db, input.regionCode, input.month);
  if (kept) return { reportId: kept.id, sha256: kept.sha256, created: false };
  const region = await reportRegion(ctx.db, input.regionCode);
  if (!region) throw notFound(`region ${input.regionCode}`);
  const now = ctx.clock();
  const { row, created } = await keepReport(ctx.db, await monthlyReport(ctx.db, region, input.month, now), now);
  return { reportId: row.id, sha256: row.sha256, created };
}

const pct = (r: unknown) => (typeof r === 'number' ? `${(Math.round(r * 1000) / 10).toFixed(1)}%` : '—');

/** Tells the coordinating office that the kept report is out; one message in effect. */
async function notifyMonthlyReport(ctx: Ctx, input: MonthlyReportInput): Promise<{ businessKey: string; status: 'sent' | 'delivered' | 'failed' }> {
  const { db, clock } = ctx;
  const businessKey = `report:${input.regionCode}:${input.month}:coordinating-office`;
  const kept = await keptReport(db, input.regionCode, input.month);
  if (!kept) throw notFound(`report of ${input.regionCode} for ${input.month}`);
  const r = kept.report as { region: { name: string }; totals: { received: number; claimOnTimeRate: number | null }; overdueTotal: number };
  const to = await resolveRecipient(ctx, { kind: 'coordinating-office', regionCode: input.regionCode });
  const params = { office: to.name, region: r.region.name, month: `${input.month.slice(0, 4)}年${Number(input.month.slice(5))}月`, received: String(r.totals.received), rate: pct(r.totals.claimOnTimeRate), overdue: String(r.overdueTotal) };
  const [row] = await db
    .insert(notifications)
    .values({ businessKey, recipientPhone: to.phone ?? '', recipientName: to.name, template: 'monthly-report', body: renderMessage('monthly-report', params), status: to.phone ? 'pending' : 'failed', error: to.phone ? null : 'no phone number on file for the coordinating office', createdAt: clock() })
    .onConflictDoUpdate({ target: notifications.businessKey, set: { businessKey: sql`excluded.business_key` } })
    .returning();
  const done = async (status: 'sent' | 'delivered' | 'failed') => {
    await db.update(monthlyReports).set({ notifiedAt: sql`coalesce(${monthlyReports.notifiedAt}, ${clock().toISOString()}::timestamptz)` }).where(eq(monthlyReports.id, kept.id));
    return { businessKey, status };
  };
  if (row!.status !== 'pending') return done(row!.status as 'sent' | 'delivered' | 'failed');
  let receipt;
  try {
    // Only live regions have a 通报, so the configured gateway (a rehearsal's would be the sandbox).
    receipt = await ctx.sms.send({ outId: businessKey, phone: row!.recipientPhone, body: row!.body });
  } catch (err) {
    if (!(err instanceof ApplicationFailure && err.nonRetryable)) throw err;
    await db.update(notifications).set({ status: 'failed', error: `${maskPhone(row!.recipientPhone)}: ${err.message}` }).where(eq(notifications.businessKey, businessKey));
    return done('failed');
  }
  await db
    .update(notifications)
    .set({ status: sql`case when ${notifications.status} = 'pending' then 'sent' else ${notifications.status} end`, providerMessageId: receipt.providerMessageId, sentAt: clock() })
    .where(eq(notifications.businessKey, businessKey));
  return done('sent');
}

export const report = { reportsDueToday, produceMonthlyReport, notifyMonthlyReport };
