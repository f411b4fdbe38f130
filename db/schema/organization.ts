// Organization: regions, departments with the side a regional admin assigns, divisions with
// the admin who receives task SMS.
import { pgTable, text, timestamp, pgEnum, index } from 'drizzle-orm/pg-core';

export const departmentSide = pgEnum('department_side', ['approval', 'supervision', 'coordination']);

export const regions = pgTable('regions', {
  code: text('code').primaryKey(), // administrative code, e.g. 320700
  name: text('name').notNull(),
  // Which deadline policy applies by default: 'standard', or 'training' (minutes, not days).
  deadlinePolicy: text('deadline_policy').notNull().default('standard'),
  /** 区划管理员: assigns departments their side; receives routing alerts. */
  adminName: text('admin_name'),
  adminPhone: text('admin_phone'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const departments = pgTable(
  'departments',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    regionCode: text('region_code').notNull().references(() => regions.code),
    side: departmentSide('side').notNull(),
    headName: text('head_name'),
    headPhone: text('head_phone'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('departments_region_idx').on(t.regionCode)],
);

export const divisions = pgTable(
  'divisions',
  {
    code: text('code').primaryKey(),
    departmentCode: text('department_code').notNull().references(() => departments.code),
    name: text('name').notNull(),
    adminName: text('admin_name').notNull(),
    adminPhone: text('admin_phone').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('divisions_department_idx').on(t.departmentCode)],
);
