// The working-day calendar (工作日) as data an administrator updates, and the deadline
// policies that say how long each window is and how its reminders climb.
import { pgTable, text, integer, boolean, jsonb, timestamp, date, bigserial, bigint, index, primaryKey } from 'drizzle-orm/pg-core';
import { regions } from './organization.js';

/** One row per imported year: its schedule is official (published), not provisional. */
export const calendarYears = pgTable('calendar_years', {
  year: integer('year').primaryKey(),
  sourceNotice: text('source_notice').notNull(),
  importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  importedBy: text('imported_by').notNull(),
});

/** Every date of an imported year (and any date a notice moved), with its kind and source. */
export const calendarDays = pgTable(
  'calendar_days',
  {
    date: date('date', { mode: 'string' }).primaryKey(),
    year: integer('year').notNull(),
    working: boolean('working').notNull(),
    kind: text('kind').notNull(), // workday, weekend, holiday, makeup-workday
    holidayName: text('holiday_name'),
    sourceNotice: text('source_notice').notNull(),
    importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('calendar_days_year_idx').on(t.year)],
);

/** Each import, with the dates whose working status it changed: the trail of calendar changes. */
export const calendarImports = pgTable('calendar_imports', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  year: integer('year').notNull(),
  sourceNotice: text('source_notice').notNull(),
  /** null: the national schedule; a region: that region's own days (only its deadlines move). */
  regionCode: text('region_code').references(() => regions.code),
  changedDates: jsonb('changed_dates').$type<string[]>().notNull(),
  newlyPublished: boolean('newly_published').notNull(),
  importedBy: text('imported_by').notNull(),
  importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  retimedAt: timestamp('retimed_at', { withTimezone: true }),
});

/**
 * A region's own days over the national schedule (a local holiday of an autonomous region, a
 * local make-up workday): they hold in that region only and win over the national day.
 */
export const regionCalendarDays = pgTable(
  'region_calendar_days',
  {
    regionCode: text('region_code').notNull().references(() => regions.code),
    date: date('date', { mode: 'string' }).notNull(),
    year: integer('year').notNull(),
    kind: text('kind').notNull(), // holiday, makeup-workday
    holidayName: text('holiday_name'),
    sourceNotice: text('source_notice').notNull(),
    importId: bigint('import_id', { mode: 'number' }).notNull().references(() => calendarImports.id),
    importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.regionCode, t.date] }), index('region_calendar_days_year_idx').on(t.regionCode, t.year)],
);

export interface ReminderLadder {
  /** Remind this many units before the deadline (working days: the working day(s) before, at office time). */
  remindBefore: number;
  /** Escalate at the deadline to these recipients. */
  escalateTo: Array<'department-head' | 'coordinating-office'>;
}

/** How long each window is, in working days (or minutes, for the training policy). */
export const deadlinePolicies = pgTable('deadline_policies', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  unit: text('unit').notNull(), // working-day | minute
  claimWindow: integer('claim_window').notNull(),
  feedbackWindow: integer('feedback_window').notNull(),
  /** null: the approval item's statutory limit. */
  statutoryLimit: integer('statutory_limit'),
  commitmentPeriod: integer('commitment_period'),
  rectificationPeriod: integer('rectification_period').notNull(),
  /** The rectification period in calendar months (民法典 arts. 200–203: "one month" of seed 002); null: `rectificationPeriod` in the policy's unit. */
  rectificationMonths: integer('rectification_months'),
  /** Working days (minutes, in rehearsal) from the claim to the end of the inspection; null: no inspection deadline. A supervision item may set its own. */
  inspectionWindow: integer('inspection_window'),
  officeTime: text('office_time').notNull().default('09:00'),
  claimLadder: jsonb('claim_ladder').$type<ReminderLadder>().notNull(),
  feedbackLadder: jsonb('feedback_ladder').$type<ReminderLadder>().notNull(),
  /** The reply owed to a complaint's hotline, per source, in the policy's unit from its receipt (docs/complaints.md). */
  complaintReplyDays: jsonb('complaint_reply_days').$type<Record<'12345' | '12315', number>>().notNull().default({ '12345': 5, '12315': 7 }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
