// The catalog entries as the API and the bulk import accept them. One definition each, so a
// row of a CSV file and a single POST are checked by the same rules.
import { z } from 'zod';
import { LENIENCY_CONDITIONS, departmentSide } from '../db/schema/index.js';
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

/** 包容免罚清单: an entry of a region's inclusive list (seed 001). */
export const leniencyEntrySchema = z
  .object({
    code,
    regionCode: code,
    departmentCode: code.describe('the supervision department that applies the entry'),
    kind: z.enum(['first-offence', 'minor']).describe('首违不罚 (a first offence) or 轻微不罚 (a minor one)'),
    matter: shortText(500).describe('违法行为: the offence the entry covers'),
    legalBasis: shortText(1000).describe('法律依据, e.g. 《行政处罚法》第三十三条'),
    conditions: z
      .array(z.enum(LENIENCY_CONDITIONS))
      .min(1)
      .max(LENIENCY_CONDITIONS.length)
      .default([...LENIENCY_CONDITIONS])
      .describe('what must hold: first-offence (from the record), minor and no-harm (attested by the inspector), corrected-in-time (from the rectification)'),
    itemCodes: z.array(code).min(1).max(100).describe('the approval or supervision items whose tasks the entry covers'),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (new Set(e.conditions).size !== e.conditions.length) ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'a condition is listed twice' });
    if (!e.conditions.includes('corrected-in-time')) ctx.addIssue({ code: 'custom', path: ['conditions'], message: 'no penalty is waived for an offence that was not corrected: corrected-in-time is required' });
    if (e.kind === 'first-offence' && !e.conditions.includes('first-offence')) ctx.addIssue({ code: 'custom', path: ['conditions'], message: '首违不罚 (first-offence) requires the first-offence condition' });
  });
export type LeniencyEntryBody = z.infer<typeof leniencyEntrySchema>;

/** 联合惩戒措施: a measure of a region's joint-punishment catalog (seed 002). */
export const jointPunishmentMeasureSchema = z
  .object({
    code,
    regionCode: code,
    name: shortText(200).describe('惩戒措施'),
    category: shortText(50).describe('惩戒类别, e.g. 行政性约束'),
    legalBasis: shortText(1000).describe('法律法规依据'),
    departmentCode: code.describe('惩戒发起单位: the department that decides to attach the measure'),
    implementingDepartmentCodes: z.array(code).min(1).max(50).describe('惩戒实施单位: the departments that apply it'),
    durationMonths: z.number().int().min(1).max(120).describe('惩戒期限, in calendar months from the decision'),
    restrictsCommitment: z.boolean().default(false).describe("限制适用告知承诺: the implementing approval departments' cases take the standard route"),
    inspectionWeight: z.number().int().min(1).max(10).default(1).describe('提高抽查比例: the factor a random-inspection draw weighs the entity by while the measure runs'),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (new Set(m.implementingDepartmentCodes).size !== m.implementingDepartmentCodes.length) ctx.addIssue({ code: 'custom', path: ['implementingDepartmentCodes'], message: 'a department is listed twice' });
  });
export type JointPunishmentMeasureBody = z.infer<typeof jointPunishmentMeasureSchema>;
