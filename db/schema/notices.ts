// Cross-department notices (docs/notices.md): 双告知 — a registration of the market regulator
// told to the approval departments competent for its business scope, forwarded by the division
// of powers (市县分工) — and 联动告知 — a revocation or a finding told to the departments it
// concerns. One row per notice (the read model of its departmentNotice workflow), the
// registrations as received, and the two catalogs that route them.
import { pgTable, text, integer, jsonb, timestamp, boolean, serial, index, uniqueIndex } from 'drizzle-orm/pg-core';
import type { PolicySnapshot } from '../../workflows/domain/policy.js';
import type { Actor } from './audit.js';
import { approvalItems } from './catalog.js';
import { departments, regions } from './organization.js';

/** 经营范围 → approval items: a registration whose business scope names the term needs the item. Per region, versioned per entry. */
export const scopeMappings = pgTable(
  'scope_mappings',
  {
    id: serial('id').primaryKey(),
    regionCode: text('region_code').notNull().references(() => regions.code),
    /** The business-scope term (经营范围 规范表述, e.g. 食品销售) a registration's scope is matched on. */
    term: text('term').notNull(),
    approvalItemCode: text('approval_item_code').notNull().references(() => approvalItems.code),
    note: text('note'),
    version: integer('version').notNull().default(1),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('scope_mappings_uq').on(t.regionCode, t.term, t.approvalItemCode)],
);

export const POWER_LEVELS = ['county', 'city', 'province', 'national'] as const;
export type PowerLevel = (typeof POWER_LEVELS)[number];

/**
 * 市县分工: for an approval item in an area (a city, or one of its counties), the level and the
 * department that holds the power, and the holder's own item when it has one. One entry per area and item.
 */
export const powerDivisions = pgTable(
  'power_divisions',
  {
    id: serial('id').primaryKey(),
    /** The area the entry speaks for: the city (320700) or a county of it (320706). */
    regionCode: text('region_code').notNull().references(() => regions.code),
    approvalItemCode: text('approval_item_code').notNull().references(() => approvalItems.code),
    level: text('level').$type<PowerLevel>().notNull(),
    holderDepartmentCode: text('holder_department_code').notNull().references(() => departments.code),
    /** The item as the holder catalogues it (its licence closes the notice); null: the same item. */
    holderItemCode: text('holder_item_code').references(() => approvalItems.code),
    legalBasis: text('legal_basis'),
    version: integer('version').notNull().default(1),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('power_divisions_uq').on(t.regionCode, t.approvalItemCode)],
);

/** A registration as the registration system posted it; its id is the idempotency key. */
export const registrations = pgTable(
  'registrations',
  {
    registrationId: text('registration_id').primaryKey(),
    /** The registering authority's region (the platform token's). */
    regionCode: text('region_code').notNull(),
    /** The county of the enterprise's address, when given: the division of powers is looked up for it first. */
    districtCode: text('district_code'),
    creditCode: text('credit_code').notNull(),
    name: text('name').notNull(),
    businessScope: text('business_scope').notNull(),
    registeredAt: timestamp('registered_at', { withTimezone: true }).notNull(),
    /** sha-256 of the posted body: the same id with another body is refused (409). */
    requestHash: text('request_hash').notNull(),
    receivedBy: jsonb('received_by').$type<Actor>().notNull(),
    /** The notices it produced: noticeId, item, the mapping's version. */
    matched: jsonb('matched').$type<Array<{ noticeId: string; itemCode: string; term: string; mappingVersion: number }>>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('registrations_credit_code_idx').on(t.creditCode)],
);

export const NOTICE_KINDS = ['registration', 'linkage'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** One hop of a notice from a department to another (市县分工 or by hand), as the trail shows it. */
export interface NoticeHop {
  from: string;
  to: string;
  /** division-of-powers: forwarded by the catalog; manual: by the receiving department. */
  by: 'division-of-powers' | 'manual';
  reason: string;
  actor: Actor;
  at: string;
  level?: string;
}

/** A notice a department must claim (registration) or acknowledge (linkage) within its window. */
export const departmentNotices = pgTable(
  'department_notices',
  {
    noticeId: text('notice_id').primaryKey(),
    kind: text('kind').$type<NoticeKind>().notNull(),
    /** awaiting-claim → claimed → licensed (registration); awaiting-acknowledgement → acknowledged (linkage). */
    status: text('status').notNull(),
    /** The holder's region: its calendar and policy time the window; its coordinating office hears of an escalation. */
    regionCode: text('region_code').notNull(),
    departmentCode: text('department_code').notNull(),
    /** A linkage notice to a division (by the catalogs); null: the department (its head). */
    divisionCode: text('division_code'),
    /** Who raised it: the registration system, the revoking approval department, the reporting division. */
    raisedBy: jsonb('raised_by').$type<Actor>().notNull(),
    raisedByDepartment: text('raised_by_department'),
    registrationId: text('registration_id'),
    applicationNo: text('application_no'),
    taskId: text('task_id'),
    /** The trail the notice's receipt is also written to (the origin's): a case, or the registration's. */
    originTrail: text('origin_trail').notNull(),
    creditCode: text('credit_code').notNull(),
    subjectName: text('subject_name').notNull(),
    itemCode: text('item_code'),
    /** What it is about: the revocation and its reason, the finding. */
    matter: text('matter').notNull(),
    policy: jsonb('policy').$type<PolicySnapshot>().notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    dueProvisional: boolean('due_provisional').notNull().default(false),
    remindAt: timestamp('remind_at', { withTimezone: true }),
    overdue: boolean('overdue').notNull().default(false),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    hops: jsonb('hops').$type<NoticeHop[]>().notNull().default([]),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    answeredBy: jsonb('answered_by').$type<Actor>(),
    answerNote: text('answer_note'),
    /** 后置审批: the holder's licence for the credit code and item that closed the loop. */
    licensedApplicationNo: text('licensed_application_no'),
    licensedAt: timestamp('licensed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('department_notices_holder_idx').on(t.departmentCode, t.status, t.dueAt),
    index('department_notices_raised_idx').on(t.raisedByDepartment, t.createdAt),
    index('department_notices_region_idx').on(t.regionCode, t.createdAt),
    index('department_notices_credit_item_idx').on(t.creditCode, t.itemCode),
    index('department_notices_registration_idx').on(t.registrationId),
    index('department_notices_application_idx').on(t.applicationNo),
  ],
);
