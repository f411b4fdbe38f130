// The monthly 通报 as published: each region's report of a month, kept as the JSON it was
// rendered from, with its sha-256, so a published report can be reproduced (and checked) later.
// One row per (region, month): a retried or repeated production finds it and makes no second.
import { pgTable, text, jsonb, timestamp, bigserial, uniqueIndex } from 'drizzle-orm/pg-core';

export const monthlyReports = pgTable(
  'monthly_reports',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    regionCode: text('region_code').notNull(),
    /** YYYY-MM, the calendar month in Asia/Shanghai. */
    month: text('month').notNull(),
    /** The report's figures (db/queries/reports.ts MonthlyReport), exactly as hashed. */
    report: jsonb('report').$type<Record<string, unknown>>().notNull(),
    /** sha-256 (hex) of the report's canonical JSON (reportHash). */
    sha256: text('sha256').notNull(),
    producedAt: timestamp('produced_at', { withTimezone: true }).notNull(),
    /** When the region's coordinating office was told (its outbox row is `report:<region>:<month>:coordinating-office`). */
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('monthly_reports_region_month_idx').on(t.regionCode, t.month)],
);
