// 包容免罚 and 联合惩戒 (seeds 001, 002): two per-region catalogs — the inclusive list of minor
// first offences that go unpunished when corrected, and the joint-punishment measures — the
// assessment of each non-compliance against the list, and the measures attached to a
// dishonest entity until they run out or its credit is repaired (信用修复).
import { pgTable, text, integer, boolean, jsonb, timestamp, bigserial, index, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';
import { departments, regions } from './organization.js';
import type { Actor } from './audit.js';

/** The conditions an inclusive-list entry may require; each is checked by the product or attested by the inspector. */
export const LENIENCY_CONDITIONS = ['first-offence', 'minor', 'corrected-in-time', 'no-harm'] as const;
export type LeniencyCondition = (typeof LENIENCY_CONDITIONS)[number];

/** 包容免罚清单: 首违不罚 (first offence) or 轻微不罚 (minor), per region, with its legal basis. */
export const leniencyEntries = pgTable(
  'leniency_entries',
  {
    code: text('code').primaryKey(),
    regionCode: text('region_code').notNull().references(() => regions.code),
    /** The supervision department that applies the entry (and writes it, beside the regional admin). */
    departmentCode: text('department_code').notNull().references(() => departments.code),
    kind: text('kind').notNull(), // first-offence (首违不罚) | minor (轻微不罚)
    matter: text('matter').notNull(), // 违法行为
    legalBasis: text('legal_basis').notNull(),
    conditions: jsonb('conditions').$type<LeniencyCondition[]>().notNull(),
    /** The approval or supervision items whose tasks the entry covers. */
    itemCodes: jsonb('item_codes').$type<string[]>().notNull(),
    version: integer('version').notNull().default(1),
    /** Withdrawn from the list (DELETE): kept for the assessments that name it. */
    repealedAt: timestamp('repealed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('leniency_entries_region_idx').on(t.regionCode)],
);

/** 联合惩戒措施: a measure, its legal basis, who issues and who implements it, for how long. */
export const jointPunishmentMeasures = pgTable(
  'joint_punishment_measures',
  {
    code: text('code').primaryKey(),
    regionCode: text('region_code').notNull().references(() => regions.code),
    name: text('name').notNull(), // 惩戒措施
    category: text('category').notNull(), // 惩戒类别
    legalBasis: text('legal_basis').notNull(),
    /** 惩戒发起单位: the department that decides to attach the measure to an entity. */
    departmentCode: text('department_code').notNull().references(() => departments.code),
    /** 惩戒实施单位: the departments that apply it (the approval departments refuse 告知承诺). */
    implementingDepartmentCodes: jsonb('implementing_department_codes').$type<string[]>().notNull(),
    durationMonths: integer('duration_months').notNull(), // 惩戒期限
    /** 限制适用告知承诺: the implementing approval departments route the entity to the standard route. */
    restrictsCommitment: boolean('restricts_commitment').notNull().default(false),
    /** 提高抽查比例: the factor a random-inspection draw weighs the entity by while the measure runs. */
    inspectionWeight: integer('inspection_weight').notNull().default(1),
    version: integer('version').notNull().default(1),
    repealedAt: timestamp('repealed_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('joint_punishment_measures_region_idx').on(t.regionCode)],
);

/** Every version of an entry of either list as it was (`catalog`: leniency | joint-punishment). */
export const listEntryVersions = pgTable(
  'list_entry_versions',
  {
    catalog: text('catalog').notNull(),
    code: text('code').notNull(),
    version: integer('version').notNull(),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.catalog, t.code, t.version] })],
);

/**
 * A non-compliance (整改 or an untrue commitment) assessed against the inclusive list at the
 * feedback: the entry it matched (and its version), whether the entity offended before (from
 * the trail, not the caller), what the inspector attested; and at the close, the penalty:
 * `waived` (包容免罚: no penalty, corrected) or `due`.
 */
export const leniencyAssessments = pgTable(
  'leniency_assessments',
  {
    taskId: text('task_id').primaryKey(),
    applicationNo: text('application_no').notNull(),
    creditCode: text('credit_code').notNull(),
    cause: text('cause').notNull(), // rectification | commitment-untrue
    entryCode: text('entry_code'),
    entryVersion: integer('entry_version'),
    /** The earlier non-compliance that makes this not a first offence (a task id), if any. */
    earlierOffence: text('earlier_offence'),
    minor: boolean('minor').notNull().default(false),
    noHarm: boolean('no_harm').notNull().default(false),
    /** Every condition but "corrected in time" holds: the penalty is waived if the rectification is in time. */
    eligible: boolean('eligible').notNull(),
    reason: text('reason').notNull(),
    assessedAt: timestamp('assessed_at', { withTimezone: true }).notNull(),
    penalty: text('penalty'), // waived | due
    penaltyReason: text('penalty_reason'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
  },
  (t) => [index('leniency_assessments_credit_code_idx').on(t.creditCode)],
);

/**
 * A joint-punishment measure attached to an entity by a recorded decision of the measure's
 * issuing department: in force from `startsAt` to `endsAt` (its duration, no manual step), or
 * until credit repair (信用修复) ends it early by a recorded decision (who, why, on what basis).
 */
export const entityPunishments = pgTable(
  'entity_punishments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    creditCode: text('credit_code').notNull(),
    measureCode: text('measure_code').notNull().references(() => jointPunishmentMeasures.code),
    measureVersion: integer('measure_version').notNull(),
    /** The decision's document number (决定文书号): with the measure and entity, the decision's key. */
    decisionNo: text('decision_no').notNull(),
    reason: text('reason').notNull(),
    decidedBy: jsonb('decided_by').$type<Actor>().notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    repairedAt: timestamp('repaired_at', { withTimezone: true }),
    repairedBy: jsonb('repaired_by').$type<Actor>(),
    repairReason: text('repair_reason'),
    repairBasis: text('repair_basis'),
  },
  (t) => [uniqueIndex('entity_punishments_decision_uq').on(t.measureCode, t.creditCode, t.decisionNo), index('entity_punishments_credit_code_idx').on(t.creditCode, t.endsAt)],
);
