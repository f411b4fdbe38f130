// Catalogs (目录清单): approval items, supervision items and the linkages between them.
import { pgTable, text, integer, boolean, jsonb, timestamp, serial, pgEnum, index, uniqueIndex } from 'drizzle-orm/pg-core';
import { departments, divisions, regions } from './organization.js';

export const approvalItems = pgTable('approval_items', {
  code: text('code').primaryKey(),
  name: text('name').notNull(), // 主项名称
  subItem: text('sub_item'), // 业务办理项 / 子项名称
  type: text('type').notNull(), // 行政许可, 行政确认, …
  departmentCode: text('department_code').notNull().references(() => departments.code),
  regionCode: text('region_code').notNull().references(() => regions.code),
  materials: jsonb('materials').$type<string[]>().notNull().default([]),
  statutoryDays: integer('statutory_days').notNull(),
  commitmentAllowed: boolean('commitment_allowed').notNull().default(false),
  commitmentScenarios: jsonb('commitment_scenarios').$type<string[]>().notNull().default([]),
  commitmentPeriodDays: integer('commitment_period_days'),
  /** Overrides the region's deadline policy for this item; null: the region's. */
  deadlinePolicy: text('deadline_policy'),
  version: integer('version').notNull().default(1),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const supervisionItems = pgTable('supervision_items', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  subItem: text('sub_item'),
  departmentCode: text('department_code').notNull().references(() => departments.code),
  divisionCode: text('division_code').references(() => divisions.code),
  inspectionMethod: text('inspection_method'),
  legalBasis: text('legal_basis'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const linkageStatus = pgEnum('linkage_status', ['proposed', 'confirmed', 'disputed', 'rejected']);

/** 审管联动事项关联: approval item → supervising department (+ sub-item, + division). */
export const linkages = pgTable(
  'linkages',
  {
    id: serial('id').primaryKey(),
    approvalItemCode: text('approval_item_code').notNull().references(() => approvalItems.code),
    supervisionDepartmentCode: text('supervision_department_code').notNull().references(() => departments.code),
    supervisionItemCode: text('supervision_item_code').references(() => supervisionItems.code),
    divisionCode: text('division_code').references(() => divisions.code),
    status: linkageStatus('status').notNull().default('proposed'),
    proposedBy: text('proposed_by'),
    confirmedBy: text('confirmed_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('linkages_item_department_uq').on(t.approvalItemCode, t.supervisionDepartmentCode),
    index('linkages_item_idx').on(t.approvalItemCode),
  ],
);
