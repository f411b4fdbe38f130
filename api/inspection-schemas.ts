// The 双随机 directories and plans as the API and the bulk imports accept them: one definition
// each, so a CSV row and a single POST are checked by the same rules.
import { z } from 'zod';
import { code, creditCode, shortText } from './schemas.js';
import { MIN_INSPECTORS_PER_TARGET } from '../workflows/domain/inspection-policy.js';

export const calendarDate = z.iso.date().describe('YYYY-MM-DD');
export const creditGrade = z.enum(['A', 'B', 'C', 'D']).meta({ id: 'CreditGrade' });
export const riskGrade = z.enum(['low', 'medium', 'high']).meta({ id: 'RiskGrade' });

const riskObject = z
  .object({
    scope: z.enum(['industry', 'item']).describe('an industry of the directory, or a supervision item'),
    scopeCode: code,
    grade: riskGrade,
    source: shortText(200),
    assessedOn: calendarDate,
  })
  .strict();

/** In a CSV cell: `scope|scopeCode|grade|source|assessedOn`, several ;-separated. */
const riskText = z
  .string()
  .regex(/^(industry|item)\|[^|]+\|(low|medium|high)\|[^|]+\|\d{4}-\d{2}-\d{2}$/, 'a risk grade as scope|scopeCode|grade|source|YYYY-MM-DD (e.g. item|SJ-FOOD-01|high|市场监管局风险评估|2026-06-30)')
  .transform((s) => {
    const [scope, scopeCode, grade, source, assessedOn] = s.split('|') as [string, string, string, string, string];
    return riskObject.parse({ scope, scopeCode, grade, source, assessedOn });
  });

export const marketEntitySchema = z
  .object({
    creditCode,
    name: shortText(200),
    regionCode: code,
    industry: code.optional().describe('行业: a code of the region’s classification'),
    registeredAddress: shortText(300).optional(),
    creditGrade: creditGrade.describe('信用等级 from the credit evaluation'),
    creditSource: shortText(200).describe('who graded it (e.g. 公共信用信息平台)'),
    creditAssessedOn: calendarDate,
    riskGrades: z.array(z.union([riskObject, riskText])).max(50).default([]).describe('风险等级 per industry or supervision item (双评估)'),
  })
  .strict();
export type MarketEntityBody = z.output<typeof marketEntitySchema>;

export const inspectorSchema = z
  .object({
    id: code.describe("the department's staff number: <departmentCode>-…"),
    departmentCode: code,
    divisionCode: code.optional(),
    name: shortText(50),
    certificateNo: z.string().regex(/^[A-Za-z0-9-]{6,32}$/, '执法证号: 6-32 letters, digits or -'),
    certificateValidFrom: calendarDate,
    certificateValidUntil: calendarDate,
    items: z.array(code).min(1).max(100).describe('the supervision items the officer may inspect'),
    active: z.boolean().default(true),
  })
  .strict()
  .refine((i) => i.certificateValidFrom <= i.certificateValidUntil, { path: ['certificateValidUntil'], message: 'the certificate ends before it starts' })
  .refine((i) => i.id.startsWith(`${i.departmentCode}-`), { path: ['id'], message: 'an inspector id is in its department’s space: <departmentCode>-…' });
export type InspectorBody = z.output<typeof inspectorSchema>;

export const conflictSchema = z.object({ creditCode, reason: shortText(500).describe('回避: why the officer may not inspect the entity') }).strict();

const share = z.number().min(0).max(1);
const riskShares = z.object({ low: share, medium: share, high: share }).partial().strict();
export const shareMatrix = z.object({ A: riskShares, B: riskShares, C: riskShares, D: riskShares }).partial().strict().describe('share per credit grade and risk grade, 0–1; a grade or class left out takes the policy default');

export const planSchema = z
  .object({
    planId: code.describe("the plan's number in its lead department's space: <departmentCode>-…"),
    name: shortText(200),
    departments: z.array(code).max(20).default([]).describe('other departments of a 跨部门联合抽查 (the caller’s department leads)'),
    items: z.array(code).min(1).max(50).describe('the supervision items, or the pool to draw from with itemsPerTarget (三随机)'),
    itemsPerTarget: z.number().int().min(1).max(50).optional(),
    filter: z.object({ industries: z.array(code).max(50).optional(), creditGrades: z.array(creditGrade).max(4).optional() }).strict().default({}),
    shares: shareMatrix.default({}),
    exemptALowRisk: z.boolean().default(true).describe('免于抽查: A-grade low-risk entities are not drawn'),
    inspectorsPerTarget: z.number().int().min(MIN_INSPECTORS_PER_TARGET, `at least ${MIN_INSPECTORS_PER_TARGET} inspectors per target (行政处罚法 art. 42)`).max(10).default(MIN_INSPECTORS_PER_TARGET),
    periodStart: calendarDate,
    periodEnd: calendarDate,
    publicationDays: z.number().int().min(1).max(60).optional().describe('working days after the inspection within which its result is published (policy default 20)'),
  })
  .strict()
  .refine((p) => p.periodStart <= p.periodEnd, { path: ['periodEnd'], message: 'the period ends before it starts' })
  .refine((p) => !p.itemsPerTarget || p.itemsPerTarget <= p.items.length, { path: ['itemsPerTarget'], message: 'more items per target than the pool holds' })
  .refine((p) => new Set(p.items).size === p.items.length, { path: ['items'], message: 'an item is named twice' });
export type PlanBody = z.output<typeof planSchema>;

export const commitSchema = z
  .object({
    beacon: shortText(200).describe('a value published beforehand that nobody in the department controls (e.g. a lottery draw or an index close), as published'),
    beaconSource: shortText(300).describe('where and when it was published, so anyone can check it'),
  })
  .strict();
