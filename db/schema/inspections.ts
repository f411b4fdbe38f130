// 双随机一公开 (issue #27): the directory of market entities (检查对象名录库) with their credit and
// risk grades (双评估), the roster of law-enforcement inspectors (执法检查人员名录库) with their
// conflicts of interest (回避), random-inspection plans, their draws (the population snapshot the
// draw read, its seed and result) and the published results (一公开).
import { pgTable, text, integer, boolean, jsonb, timestamp, date, bigserial, index, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Actor } from './audit.js';
import { departments, divisions, regions } from './organization.js';

/** A market entity as the directory keeps it: one row per credit code. */
export const marketEntities = pgTable(
  'market_entities',
  {
    creditCode: text('credit_code').primaryKey(),
    name: text('name').notNull(),
    regionCode: text('region_code').notNull().references(() => regions.code),
    /** The entity's industry (行业), a code of the region's own classification; null: unclassified. */
    industry: text('industry'),
    registeredAddress: text('registered_address'),
    /** 信用等级 A (best) … D (worst), from the credit evaluation. */
    creditGrade: text('credit_grade').notNull(),
    creditSource: text('credit_source').notNull(),
    creditAssessedOn: date('credit_assessed_on', { mode: 'string' }).notNull(),
    /** How the entry came: `case` (an applicant of a case), `import`, `entry` (one POST). */
    origin: text('origin').notNull(),
    updatedBy: text('updated_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // The draw reads the population of a region in credit-code order.
  (t) => [index('market_entities_region_idx').on(t.regionCode, t.creditCode)],
);

/** 风险等级 of an entity for an industry or for a supervision item (the risk half of 双评估). */
export const entityRiskGrades = pgTable(
  'entity_risk_grades',
  {
    creditCode: text('credit_code').notNull().references(() => marketEntities.creditCode),
    /** `industry` or `item` (a supervision item code). */
    scope: text('scope').notNull(),
    scopeCode: text('scope_code').notNull(),
    grade: text('grade').notNull(), // low, medium, high
    source: text('source').notNull(),
    assessedOn: date('assessed_on', { mode: 'string' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.creditCode, t.scope, t.scopeCode] })],
);

/** A certified law-enforcement officer of a supervision department. */
export const inspectors = pgTable(
  'inspectors',
  {
    /** The department's own staff number for the officer: `<department>-…`. */
    id: text('id').primaryKey(),
    departmentCode: text('department_code').notNull().references(() => departments.code),
    divisionCode: text('division_code').references(() => divisions.code),
    name: text('name').notNull(),
    /** 执法证号: unique nationwide. */
    certificateNo: text('certificate_no').notNull(),
    certificateValidFrom: date('certificate_valid_from', { mode: 'string' }).notNull(),
    certificateValidUntil: date('certificate_valid_until', { mode: 'string' }).notNull(),
    /** The supervision items the officer may inspect. */
    items: jsonb('items').$type<string[]>().notNull(),
    active: boolean('active').notNull().default(true),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('inspectors_certificate_uq').on(t.certificateNo), index('inspectors_department_idx').on(t.departmentCode, t.id)],
);

/** 回避: an inspector who may not inspect an entity (kin, former employer, an interest). */
export const inspectorConflicts = pgTable(
  'inspector_conflicts',
  {
    inspectorId: text('inspector_id').notNull().references(() => inspectors.id),
    creditCode: text('credit_code').notNull(),
    reason: text('reason').notNull(),
    recordedBy: jsonb('recorded_by').$type<Actor>().notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.inspectorId, t.creditCode] }), index('inspector_conflicts_entity_idx').on(t.creditCode)],
);

/** Share per credit grade and risk grade: `{ "A": { "low": 0, "medium": 0.03, "high": 0.05 }, … }`. */
export type ShareMatrix = Record<string, Record<string, number>>;

export interface PlanFilter {
  industries?: string[];
  creditGrades?: string[];
}

/** A random-inspection plan (抽查计划) of one department, or several for a 跨部门联合抽查. */
export const inspectionPlans = pgTable(
  'inspection_plans',
  {
    planId: text('plan_id').primaryKey(),
    name: text('name').notNull(),
    regionCode: text('region_code').notNull().references(() => regions.code),
    /** The lead department: it writes, commits and withdraws. */
    leadDepartmentCode: text('lead_department_code').notNull().references(() => departments.code),
    /** Every department of the plan, the lead first (a joint plan has several). */
    departments: jsonb('departments').$type<string[]>().notNull(),
    /** The items every target is inspected for; or, with `itemsPerTarget`, the pool to draw them from (三随机). */
    items: jsonb('items').$type<string[]>().notNull(),
    itemsPerTarget: integer('items_per_target'),
    filter: jsonb('filter').$type<PlanFilter>().notNull(),
    shares: jsonb('shares').$type<ShareMatrix>().notNull(),
    inspectorsPerTarget: integer('inspectors_per_target').notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    /** Working days after the inspection within which its result is published. */
    publicationDays: integer('publication_days').notNull(),
    status: text('status').notNull(), // draft, committed, drawn
    /** At commit: sha-256 of the plan's canonical content, the value published beforehand, the seed. */
    contentHash: text('content_hash'),
    beacon: text('beacon'),
    beaconSource: text('beacon_source'),
    seed: text('seed'),
    committedAt: timestamp('committed_at', { withTimezone: true }),
    committedBy: jsonb('committed_by').$type<Actor>(),
    createdBy: jsonb('created_by').$type<Actor>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('inspection_plans_lead_idx').on(t.leadDepartmentCode, t.createdAt)],
);

/**
 * A plan's draw (one per plan; its id is the plan's): the snapshot document it drew from (the
 * population, the roster and the conflicts in canonical text, docs/random-inspections.md), its
 * hash, and the result's hash. The snapshot is re-read by verify; an edit changes its hash.
 */
export const inspectionDraws = pgTable('inspection_draws', {
  drawId: text('draw_id').primaryKey(),
  planId: text('plan_id').notNull().unique().references(() => inspectionPlans.planId),
  algorithm: text('algorithm').notNull(),
  seed: text('seed').notNull(),
  snapshot: text('snapshot').notNull(),
  snapshotHash: text('snapshot_hash').notNull(),
  populationSize: integer('population_size').notNull(),
  status: text('status').notNull(), // snapshotted, drawn
  resultHash: text('result_hash'),
  /** Per stratum (credit × risk): population, share, drawn. */
  classes: jsonb('classes').$type<Array<{ creditGrade: string; riskGrade: string; population: number; share: number; drawn: number }>>(),
  /** Entities that would have been drawn but had too few eligible inspectors. */
  unstaffed: jsonb('unstaffed').$type<string[]>(),
  snapshotAt: timestamp('snapshot_at', { withTimezone: true }).notNull(),
  drawnAt: timestamp('drawn_at', { withTimezone: true }),
  lastVerifiedAt: timestamp('last_verified_at', { withTimezone: true }),
  lastVerified: boolean('last_verified'),
});

/** A drawn target: the entity, its class, the items and the inspectors drawn for it. */
export const drawTargets = pgTable(
  'draw_targets',
  {
    drawId: text('draw_id').notNull().references(() => inspectionDraws.drawId),
    creditCode: text('credit_code').notNull(),
    ordinal: integer('ordinal').notNull(),
    creditGrade: text('credit_grade').notNull(),
    riskGrade: text('risk_grade').notNull(),
    items: jsonb('items').$type<string[]>().notNull(),
    inspectorIds: jsonb('inspector_ids').$type<string[]>().notNull(),
    /** The random-inspection task the target became once the draw completed (`task-<drawId>.<ordinal>.<department>`). */
    taskId: text('task_id').unique('draw_targets_task_uq'),
  },
  (t) => [primaryKey({ columns: [t.drawId, t.creditCode] }), index('draw_targets_ordinal_idx').on(t.drawId, t.ordinal)],
);

export interface ChecklistAnswer {
  item: string;
  answer: 'pass' | 'fail' | 'not-applicable';
  note?: string;
}

/**
 * The result of a target's inspection (检查结果记录表) and its publication (一公开): due
 * `publishDueAt` (the plan's publication period after the inspection), published by the daily
 * job, withdrawable by the plan's department with a reason.
 */
export const inspectionResults = pgTable(
  'inspection_results',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    drawId: text('draw_id').notNull().references(() => inspectionDraws.drawId),
    creditCode: text('credit_code').notNull(),
    departmentCode: text('department_code').notNull(),
    regionCode: text('region_code').notNull(),
    items: jsonb('items').$type<string[]>().notNull(),
    inspectedOn: date('inspected_on', { mode: 'string' }).notNull(),
    result: text('result').notNull(),
    checklist: jsonb('checklist').$type<ChecklistAnswer[]>().notNull(),
    recordedBy: jsonb('recorded_by').$type<Actor>().notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
    /** Whether it was recorded by the plan's deadline (the period's end, 24:00 Asia/Shanghai). */
    onTime: boolean('on_time').notNull(),
    publishDueAt: timestamp('publish_due_at', { withTimezone: true }).notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
    withdrawalReason: text('withdrawal_reason'),
    withdrawnBy: jsonb('withdrawn_by').$type<Actor>(),
  },
  (t) => [
    uniqueIndex('inspection_results_target_uq').on(t.drawId, t.creditCode),
    // The public feed: newest publication first.
    index('inspection_results_public_idx').on(t.publishedAt, t.id),
  ],
);
