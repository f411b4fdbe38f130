// Demo data for one city, 连云港 (320700): idempotent, so `npm start` runs it every time.
// Rows that exist are left as they are, so an operator's edits survive a restart.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '../db/client.js';
import { readFile } from 'node:fs/promises';
import { approvalItems, calendarYears, creditProfiles, deadlinePolicies, departments, divisions, linkages, regions, supervisionItems } from '../db/schema/index.js';
import { importCalendar } from '../db/calendar.js';
import { newItemVersion } from '../db/catalog.js';
import { approvalItemVersions } from '../db/schema/index.js';
import { projectRoot } from '../runtime/config.js';
import type { ImportedDay } from '../workflows/domain/calendar-import.js';
import { creditCodeCheckChar } from '../workflows/domain/credit-code.js';

/** A valid demo credit code: 17 characters plus their GB 32100-2015 check character. */
export const demoCreditCode = (first17: string) => first17 + creditCodeCheckChar(first17);

export const DEMO = {
  region: '320700',
  trainingRegion: 'TRAIN-320700',
  approvalDepartment: 'LYG-SPJ',
  market: 'LYG-SJJ',
  health: 'LYG-WJW',
  marketFoodDivision: 'LYG-SJJ-SPJY',
  healthDivision: 'LYG-WJW-GGWS',
  housing: 'LYG-ZJJ',
  housingDivision: 'LYG-ZJJ-JZSC',
  applicants: {
    good: demoCreditCode('91320700MA1N0000'.padEnd(17, '1')),
    blacklisted: demoCreditCode('91320700MA1N0000'.padEnd(17, '2')),
  },
} as const;

export async function seedDemo(databaseUrl: string): Promise<void> {
  const { db, close } = createDatabase(databaseUrl, { max: 1 });
  try {
    await db.transaction(async (tx) => {
      await tx
        .insert(deadlinePolicies)
        .values([
          {
            code: 'standard',
            name: '法定工作日期限',
            unit: 'working-day',
            claimWindow: 3,
            feedbackWindow: 5,
            rectificationPeriod: 22,
            claimLadder: { remindBefore: 1, escalateTo: ['department-head', 'coordinating-office'] },
            feedbackLadder: { remindBefore: 1, escalateTo: ['department-head'] },
          },
          {
            // Seed 003 item 14 plans live training: the same loop with minutes for working days.
            code: 'training',
            name: '培训演练（分钟计）',
            unit: 'minute',
            claimWindow: 3,
            feedbackWindow: 5,
            statutoryLimit: 10,
            commitmentPeriod: 10,
            rectificationPeriod: 10,
            claimLadder: { remindBefore: 1, escalateTo: ['department-head', 'coordinating-office'] },
            feedbackLadder: { remindBefore: 1, escalateTo: ['department-head'] },
          },
        ])
        .onConflictDoNothing();
      await tx
        .insert(regions)
        .values([
          { code: '320700', name: '连云港市', adminName: '吴科长', adminPhone: '13900000005' },
          { code: DEMO.trainingRegion, name: '连云港市（培训演练）', deadlinePolicy: 'training', adminName: '吴科长', adminPhone: '13900000005' },
        ])
        .onConflictDoNothing();
      await tx
        .insert(departments)
        .values([
          { code: DEMO.approvalDepartment, name: '连云港市行政审批局', regionCode: '320700', side: 'approval', headName: '王局长', headPhone: '13900000001' },
          { code: DEMO.market, name: '连云港市市场监督管理局', regionCode: '320700', side: 'supervision', headName: '李局长', headPhone: '13900000002' },
          { code: DEMO.health, name: '连云港市卫生健康委员会', regionCode: '320700', side: 'supervision', headName: '赵主任', headPhone: '13900000003' },
          { code: 'LYG-ZWB', name: '连云港市政务服务管理办公室', regionCode: '320700', side: 'coordination', headName: '周主任', headPhone: '13900000004' },
          { code: DEMO.housing, name: '连云港市住房和城乡建设局', regionCode: '320700', side: 'supervision', headName: '郑局长', headPhone: '13900000006' },
          { code: 'TR-ZWB', name: '培训演练政务办', regionCode: DEMO.trainingRegion, side: 'coordination', headName: '周主任', headPhone: '13900000004' },
        ])
        .onConflictDoNothing();
      await tx
        .insert(divisions)
        .values([
          { code: DEMO.marketFoodDivision, departmentCode: DEMO.market, name: '食品经营监督管理处', adminName: '陈处长', adminPhone: '13800000011' },
          { code: 'LYG-SJJ-TZSB', departmentCode: DEMO.market, name: '特种设备安全监察处', adminName: '刘处长', adminPhone: '13800000012' },
          { code: DEMO.healthDivision, departmentCode: DEMO.health, name: '公共卫生监督处', adminName: '孙处长', adminPhone: '13800000021' },
          { code: 'LYG-SJJ-YLQX', departmentCode: DEMO.market, name: '医疗器械监督管理处', adminName: '钱处长', adminPhone: '13800000013' },
          { code: DEMO.housingDivision, departmentCode: DEMO.housing, name: '建筑市场监管处', adminName: '冯处长', adminPhone: '13800000031' },
        ])
        .onConflictDoNothing();
      await tx
        .insert(approvalItems)
        .values([
          {
            code: 'SP-FOOD-01',
            name: '食品经营许可',
            subItem: '食品经营许可证核发（新办）',
            type: '行政许可',
            departmentCode: DEMO.approvalDepartment,
            regionCode: '320700',
            materials: ['食品经营许可申请书', '营业执照复印件', '经营场所平面图'],
            statutoryDays: 10,
          },
          {
            code: 'SP-PUBHEALTH-01',
            name: '公共场所卫生许可',
            subItem: '公共场所卫生许可证核发',
            type: '行政许可',
            departmentCode: DEMO.approvalDepartment,
            regionCode: '320700',
            materials: ['卫生许可申请书', '卫生检测报告'],
            statutoryDays: 20,
            // 材料核验: the health report is checked against e-licence data instead of handed in.
            commitmentAllowed: true,
            commitmentScenarios: ['verification'],
          },
          {
            code: 'SP-BUILD-01',
            name: '建筑工程施工许可',
            subItem: '建筑工程施工许可证核发',
            type: '行政许可',
            departmentCode: DEMO.approvalDepartment,
            regionCode: '320700',
            materials: ['施工许可申请表', '施工合同', '安全施工措施资料'],
            statutoryDays: 7,
            // 事后核查: the licence at once; the housing bureau verifies the commitment afterwards.
            commitmentAllowed: true,
            commitmentScenarios: ['post-verification'],
          },
          {
            code: 'SP-MEDDEV-01',
            name: '第三类医疗器械经营许可',
            subItem: '医疗器械经营许可证核发',
            type: '行政许可',
            departmentCode: DEMO.approvalDepartment,
            regionCode: '320700',
            materials: ['申请书', '质量管理制度', '经营场所证明'],
            statutoryDays: 20,
            // 材料延期: the quality-system documents may follow within the commitment period.
            commitmentAllowed: true,
            commitmentScenarios: ['deferred-materials'],
            commitmentPeriodDays: 20,
          },
          {
            // Left unlinked on purpose: its cases show the unrouted alert (无监管兜底).
            code: 'SP-ROAD-01',
            name: '道路货物运输经营许可',
            subItem: '道路货物运输经营许可证核发',
            type: '行政许可',
            departmentCode: DEMO.approvalDepartment,
            regionCode: '320700',
            materials: ['申请表', '车辆技术资料'],
            statutoryDays: 20,
          },
          {
            code: 'TR-FOOD-01',
            name: '食品经营许可（培训演练）',
            subItem: '食品经营许可证核发（演练）',
            type: '行政许可',
            departmentCode: DEMO.approvalDepartment,
            regionCode: DEMO.trainingRegion,
            materials: ['食品经营许可申请书'],
            statutoryDays: 10,
          },
          {
            code: 'TR-BUILD-01',
            name: '建筑工程施工许可（培训演练）',
            subItem: '告知承诺制：事后核查（演练）',
            type: '行政许可',
            departmentCode: DEMO.approvalDepartment,
            regionCode: DEMO.trainingRegion,
            materials: ['施工许可申请表'],
            statutoryDays: 7,
            commitmentAllowed: true,
            commitmentScenarios: ['post-verification'],
          },
          {
            code: 'SP-CATERING-01',
            name: '餐饮服务食品经营许可',
            subItem: '含集中用餐配送',
            type: '行政许可',
            departmentCode: DEMO.approvalDepartment,
            regionCode: '320700',
            materials: ['申请书', '从业人员健康证明'],
            statutoryDays: 10,
          },
        ])
        .onConflictDoNothing();
      await tx
        .insert(supervisionItems)
        .values([
          { code: 'JG-FOOD-01', name: '食品经营监督检查', subItem: '食品经营者日常监督检查', departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, inspectionMethod: '现场检查', legalBasis: '《中华人民共和国食品安全法》第一百一十条' },
          { code: 'JG-MEDDEV-01', name: '医疗器械经营监督检查', subItem: '医疗器械经营企业监督检查', departmentCode: DEMO.market, divisionCode: 'LYG-SJJ-YLQX', inspectionMethod: '现场检查', legalBasis: '《医疗器械监督管理条例》' },
          { code: 'JG-BUILD-01', name: '建筑工程质量安全监督', subItem: '施工许可事后核查', departmentCode: DEMO.housing, divisionCode: DEMO.housingDivision, inspectionMethod: '现场核查', legalBasis: '《建筑工程施工许可管理办法》' },
          { code: 'JG-PUBHEALTH-01', name: '公共场所卫生监督检查', subItem: '公共场所卫生日常监督', departmentCode: DEMO.health, divisionCode: DEMO.healthDivision, inspectionMethod: '现场检查', legalBasis: '《公共场所卫生管理条例》' },
        ])
        .onConflictDoNothing();
      await tx
        .insert(linkages)
        .values([
          { approvalItemCode: 'SP-FOOD-01', supervisionDepartmentCode: DEMO.market, supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision, status: 'confirmed', proposedBy: 'seed', confirmedBy: 'seed' },
          { approvalItemCode: 'SP-PUBHEALTH-01', supervisionDepartmentCode: DEMO.health, supervisionItemCode: 'JG-PUBHEALTH-01', divisionCode: DEMO.healthDivision, status: 'confirmed', proposedBy: 'seed', confirmedBy: 'seed' },
          { approvalItemCode: 'SP-BUILD-01', supervisionDepartmentCode: DEMO.housing, supervisionItemCode: 'JG-BUILD-01', divisionCode: DEMO.housingDivision, status: 'confirmed', proposedBy: 'seed', confirmedBy: 'seed' },
          { approvalItemCode: 'SP-MEDDEV-01', supervisionDepartmentCode: DEMO.market, supervisionItemCode: 'JG-MEDDEV-01', divisionCode: 'LYG-SJJ-YLQX', status: 'confirmed', proposedBy: 'seed', confirmedBy: 'seed' },
          { approvalItemCode: 'TR-BUILD-01', supervisionDepartmentCode: DEMO.housing, supervisionItemCode: 'JG-BUILD-01', divisionCode: DEMO.housingDivision, status: 'confirmed', proposedBy: 'seed', confirmedBy: 'seed' },
          { approvalItemCode: 'TR-FOOD-01', supervisionDepartmentCode: DEMO.market, supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision, status: 'confirmed', proposedBy: 'seed', confirmedBy: 'seed' },
          // Catering is supervised by two departments: each gets its own task.
          { approvalItemCode: 'SP-CATERING-01', supervisionDepartmentCode: DEMO.market, supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision, status: 'confirmed', proposedBy: 'seed', confirmedBy: 'seed' },
          { approvalItemCode: 'SP-CATERING-01', supervisionDepartmentCode: DEMO.health, supervisionItemCode: 'JG-PUBHEALTH-01', divisionCode: DEMO.healthDivision, status: 'confirmed', proposedBy: 'seed', confirmedBy: 'seed' },
        ])
        .onConflictDoNothing();
      await tx
        .insert(creditProfiles)
        .values([
          { creditCode: DEMO.applicants.good, grade: 'A', blacklisted: false, brokenCommitments: 0 },
          { creditCode: DEMO.applicants.blacklisted, grade: 'D', blacklisted: true, brokenCommitments: 1 },
        ])
        .onConflictDoNothing();
      // Each item's first version, with the linkages that route it.
      const versioned = new Set((await tx.select({ code: approvalItemVersions.itemCode }).from(approvalItemVersions)).map((v) => v.code));
      for (const item of await tx.select({ code: approvalItems.code }).from(approvalItems)) {
        if (!versioned.has(item.code)) await newItemVersion(tx, item.code, 'seeded', { sub: 'seed', role: 'system' });
      }
    });
    // The official schedules shipped with the code; a year an administrator has imported is left alone.
    const loaded = new Set((await db.select({ year: calendarYears.year }).from(calendarYears)).map((y) => y.year));
    for (const year of CALENDAR_YEARS) {
      if (loaded.has(year)) continue;
      const file = JSON.parse(await readFile(path.join(projectRoot, 'db', 'seed', `calendar-${year}.json`), 'utf8')) as { notice: string; days: ImportedDay[] };
      await importCalendar(db, { year, notice: file.notice, days: file.days, by: 'seed' });
    }
  } finally {
    await close();
  }
}

/** Years whose official schedule ships in db/seed/. */
export const CALENDAR_YEARS = [2024, 2025, 2026];

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is not set (npm start sets it for the local server)\n');
    process.exit(78);
  }
  await seedDemo(url);
  process.stdout.write('demo data seeded\n');
}
