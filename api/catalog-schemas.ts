// The catalog entries as the API and the bulk import accept them. One definition each, so a
// row of a CSV file and a single POST are checked by the same rules.
import { z } from 'zod';
import { departmentSide } from '../db/schema/index.js';
import { code, commitmentScenario, mobile, shortText } from './schemas.js';

/** The fields of an approval item, without the cross-field rules (for response schemas). */
export const approvalItemFields = z
  .object({
    code,
    name: shortText(200).describe('主项名称'),
    subItem: shortText(200).optional().describe('业务办理项 / 子项名称'),
    type: z.enum(['行政许可', '行政确认', '行政给付', '行政奖励', '行政裁决', '其他行政权力', '公共服务']),
    departmentCode: code.describe('the approving department'),
    regionCode: code,
    materials: z.array(shortText(200)).max(100).default([]),
    statutoryDays: z.number().int().min(1).max(365).describe('statutory time limit in working days'),
    commitmentAllowed: z.boolean().default(false).describe('告知承诺 allowed'),
    commitmentScenarios: z.array(commitmentScenario).max(3).default([]),
    verifiableMaterials: z.array(shortText(200)).max(50).default([]).describe('材料核验: the materials checked against e-licences instead of handed in'),
    commitmentPeriodDays: z.number().int().min(1).max(365).optional(),
    commitmentMinimumGrade: z.enum(['A', 'B', 'C', 'D']).default('B'),
    deadlinePolicy: code.optional().describe("overrides the region's deadline policy"),
  })
  .strict();

export const approvalItemSchema = approvalItemFields.superRefine((item, ctx) => {
    if (item.commitmentAllowed && item.commitmentScenarios.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['commitmentScenarios'], message: 'commitment approval needs at least one scenario' });
    }
    if (!item.commitmentAllowed && item.commitmentScenarios.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['commitmentScenarios'], message: 'scenarios given but commitment approval is not allowed' });
    }
    if (item.commitmentScenarios.includes('verification') && item.verifiableMaterials.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['verifiableMaterials'], message: '材料核验 (verification) needs the materials it checks against e-licences' });
    }
    if (item.commitmentScenarios.includes('deferred-materials') && !item.commitmentPeriodDays) {
      ctx.addIssue({ code: 'custom', path: ['commitmentPeriodDays'], message: 'deferred materials need a commitment period' });
    }
  });
export type ApprovalItemBody = z.infer<typeof approvalItemSchema>;

export const supervisionItemSchema = z
  .object({
    code,
    name: shortText(200),
    subItem: shortText(200).optional().describe('监管事项子项'),
    departmentCode: code,
    divisionCode: code.optional(),
    inspectionMethod: shortText(200).optional(),
    legalBasis: shortText(1000).optional(),
    inspectionDays: z.number().int().min(1).max(365).optional().describe("its own inspection period after the claim, in working days, over the policy's inspection window"),
  })
  .strict();
export type SupervisionItemBody = z.infer<typeof supervisionItemSchema>;

export const departmentSchema = z
  .object({
    code,
    name: shortText(200),
    regionCode: code,
    side: z.enum(departmentSide.enumValues),
    headName: shortText(50).optional(),
    headPhone: mobile.optional(),
  })
  .strict();

export const divisionSchema = z
  .object({ code, departmentCode: code, name: shortText(200), adminName: shortText(50), adminPhone: mobile })
  .strict();
