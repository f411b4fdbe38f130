// Catalogs (目录清单): approval items, supervision items and the linkages between them.
import { pgTable, text, integer, boolean, jsonb, timestamp, serial, bigserial, pgEnum, index, uniqueIndex, primaryKey } from 'drizzle-orm/pg-core';
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
  /** 材料核验: the materials checked against e-licences instead of handed in. */
  verifiableMaterials: jsonb('verifiable_materials').$type<string[]>().notNull().default([]),
  commitmentPeriodDays: integer('commitment_period_days'),
  /** Lowest credit grade that may use commitment approval (published city rules: B). */
  commitmentMinimumGrade: text('commitment_minimum_grade').notNull().default('B'),
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
  /** Its own inspection period after the claim (working days), over the policy's `inspectionWindow`. */
  inspectionDays: integer('inspection_days'),
  /** Versioned like approval items: a task keeps the version it was pushed under. */
  version: integer('version').notNull().default(1),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every version of a supervision item as it was (its terms: division, method, inspection period). */
export const supervisionItemVersions = pgTable(
  'supervision_item_versions',
  {
    itemCode: text('item_code').notNull().references(() => supervisionItems.code),
    version: integer('version').notNull(),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.itemCode, t.version] })],
);

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
    disputeReason: text('dispute_reason'),
    disputedBy: text('disputed_by'),
    /** Set when an arbiter (编办 / 司法) settled a dispute: binding, so no second dispute. */
    settledBy: text('settled_by'),
    settlement: text('settlement'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('linkages_item_department_uq').on(t.approvalItemCode, t.supervisionDepartmentCode),
    index('linkages_item_idx').on(t.approvalItemCode),
  ],
);

/**
 * Every change of an approval item or of its linkages makes a new version of the item, with a
 * snapshot of what routes it. A case keeps the version it started with (DOMAIN.md §2).
 */
export const approvalItemVersions = pgTable(
  'approval_item_versions',
  {
    itemCode: text('item_code').notNull().references(() => approvalItems.code),
    version: integer('version').notNull(),
    snapshot: jsonb('snapshot').$type<ItemSnapshot>().notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.itemCode, t.version] })],
);

export interface ItemSnapshot {
  item: Record<string, unknown>;
  /** The confirmed linkages at this version: one supervision task per entry. */
  linkages: Array<{ departmentCode: string; divisionCode: string; supervisionItemCode: string | null }>;
}

/** Who changed which catalog entry, when, from what to what. */
export const catalogChanges = pgTable(
  'catalog_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entity: text('entity').notNull(), // region, department, division, approval-item, supervision-item, linkage
    entityKey: text('entity_key').notNull(),
    action: text('action').notNull(),
    actor: jsonb('actor').$type<{ sub: string; role: string; department?: string }>().notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('catalog_changes_entity_idx').on(t.entity, t.entityKey, t.id)],
);

/** Routing exceptions and other alerts to the regional admin and the coordinating office. */
export const alerts = pgTable(
  'alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertKey: text('alert_key').notNull().unique(), // e.g. unrouted:<applicationNo>
    kind: text('kind').notNull(),
    regionCode: text('region_code').notNull(),
    applicationNo: text('application_no'),
    itemCode: text('item_code'),
    message: text('message').notNull(),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolution: text('resolution'),
  },
  (t) => [index('alerts_region_idx').on(t.regionCode, t.resolvedAt)],
);
