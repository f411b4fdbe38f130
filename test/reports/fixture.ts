// A region with a known month (November 2025, no holidays in it): two supervision departments,
// three divisions, tasks with known times and fates, the notices sent about them, and one case
// past its decision deadline. The figures each test expects are worked out in the comments.
import { cases, departments, divisions, notifications, regions, tasks } from '../../db/schema/index.js';
import { database, freshCreditCode, uniqueId } from '../helpers.js';

const at = (shanghai: string) => new Date(`${shanghai}+08:00`);

export interface ReportRegion {
  region: string;
  spj: string;
  sjj: string;
  wjw: string;
  food: string;
  equipment: string;
  health: string;
  zwb: string;
  /** application numbers by task label */
  no: Record<string, string>;
}

/** Seeds a fresh region `R-…` ("报表测试市") and its November 2025. */
export async function seedReportRegion(): Promise<ReportRegion> {
  const { db } = database();
  const region = uniqueId('R');
  const r: ReportRegion = { region, spj: `${region}-SPJ`, sjj: `${region}-SJJ`, wjw: `${region}-WJW`, food: `${region}-SJJ-A`, equipment: `${region}-SJJ-B`, health: `${region}-WJW-C`, zwb: `${region}-ZWB`, no: {} };
  await db.insert(regions).values({ code: region, name: '报表测试市', adminName: '区划管理员', adminPhone: '13800000100' });
  await db.insert(departments).values([
    { code: r.spj, name: '行政审批局', regionCode: region, side: 'approval', headName: '审批局长', headPhone: '13800000101' },
    { code: r.sjj, name: '市场监督管理局', regionCode: region, side: 'supervision', headName: '市监局长', headPhone: '13800000102' },
    { code: r.wjw, name: '卫生健康委员会', regionCode: region, side: 'supervision', headName: '卫健委主任', headPhone: '13800000103' },
    { code: r.zwb, name: '政务服务管理办公室', regionCode: region, side: 'coordination', headName: '政务办主任', headPhone: '13800000104' },
  ]);
  await db.insert(divisions).values([
    { code: r.food, departmentCode: r.sjj, name: '食品经营监管处', adminName: '食品处长', adminPhone: '13800000111' },
    { code: r.equipment, departmentCode: r.sjj, name: '特种设备安全监察处', adminName: '特设处长', adminPhone: '13800000112' },
    { code: r.health, departmentCode: r.wjw, name: '公共卫生处', adminName: '公卫处长', adminPhone: '13800000113' },
  ]);
  const applicants: Record<string, string> = {
    t1: '海州鲜味食品有限公司',
    t2: '连云港海味食品有限公司',
    t3: '赣榆海产品加工厂',
    t4: '灌南县好再来餐饮店',
    t5: '东海县恒通锅炉有限公司',
    t6: '连云区清泉游泳馆',
    t7: '海州区康宁美容院',
    t8: '灌云县顺心超市',
    t9: '连云港市海滨宾馆',
    t10: '新浦区晨光面包房',
    decision: '海州区未决申请有限公司',
  };
  const caseRow = (label: string, extra: Partial<typeof cases.$inferInsert> = {}) => {
    const no = `${r.spj}-${uniqueId(label)}`;
    r.no[label] = no;
    return { applicationNo: no, workflowId: `case-${no}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: r.spj, regionCode: region, applicantCreditCode: freshCreditCode(), applicantName: applicants[label]!, applicantPhone: '13700000000', requestedRoute: 'auto', requestHash: 'h', stage: 'supervising', submittedBy: 'test', licenceStatus: 'issued', ...extra };
  };
  await db.insert(cases).values([
    ...['t1', 't2', 't3', 't4', 't6', 't7', 't8', 't9', 't10'].map((l) => caseRow(l)),
    caseRow('t5', { stage: 'revoked', licenceStatus: 'revoked', closedAt: at('2025-11-20T10:00:00') }),
    // Past its statutory decision deadline, undecided: on the overdue list, owed by 行政审批局.
    caseRow('decision', { stage: 'awaiting-decision', licenceStatus: 'none', decisionDueAt: at('2025-11-21T00:00:00') }),
  ]);
  type T = Partial<typeof tasks.$inferInsert>;
  const task = (label: string, division: string, department: string, pushed: string, due: string, claimed: string | null, extra: T = {}): typeof tasks.$inferInsert => ({
    taskId: `task-${r.no[label]}.${department}`,
    applicationNo: r.no[label]!,
    originNo: r.no[label]!,
    departmentCode: department,
    divisionCode: division,
    regionCode: region,
    applicantCreditCode: 'x',
    status: claimed ? 'claimed' : 'awaiting-claim',
    pushedAt: at(pushed),
    claimDueAt: at(due),
    claimedAt: claimed ? at(claimed) : null,
    ...extra,
  });
  const closed = (feedbackDue: string, feedback: string, extra: T = {}): T => ({ status: 'closed', feedbackDueAt: at(feedbackDue), feedbackAt: at(feedback), result: 'compliant', outcome: 'compliant', closedAt: at(feedback), ...extra });
  const rows = [
    // 食品经营监管处: received 4; claimed on time 2 (t1 2 h, t2 12 working h), late 1 (t3, 96 h), unclaimed past deadline 1 (t4).
    task('t1', r.food, r.sjj, '2025-11-03T10:00:00', '2025-11-07T00:00:00', '2025-11-03T12:00:00', closed('2025-11-14T00:00:00', '2025-11-12T10:00:00')),
    // feedback late; a rectification ordered, then rectified.
    task('t2', r.food, r.sjj, '2025-11-07T18:00:00', '2025-11-13T00:00:00', '2025-11-10T06:00:00', closed('2025-11-18T00:00:00', '2025-11-19T09:00:00', { result: 'rectification', outcome: 'rectified', rectificationRound: 1 })),
    // claimed late; feedback owed since 2025-11-20 (overdue now).
    task('t3', r.food, r.sjj, '2025-11-10T00:00:00', '2025-11-13T00:00:00', '2025-11-14T00:00:00', { status: 'awaiting-feedback', inspectionFinishedAt: at('2025-11-14T12:00:00'), feedbackDueAt: at('2025-11-20T00:00:00') }),
    task('t4', r.food, r.sjj, '2025-11-11T09:00:00', '2025-11-15T00:00:00', null),
    // 特种设备安全监察处: on time (1 h); feedback on time; not rectified → revocation requested, licence revoked.
    task('t5', r.equipment, r.sjj, '2025-11-04T09:00:00', '2025-11-08T00:00:00', '2025-11-04T10:00:00', closed('2025-11-11T00:00:00', '2025-11-10T09:00:00', { result: 'rectification', outcome: 'revocation-requested', rectificationRound: 1 })),
    // 公共卫生处: t6 claimed late (120 working h), its inspection owed since 2025-11-30; t7 on time (25 h), rectifying.
    task('t6', r.health, r.wjw, '2025-11-05T09:00:00', '2025-11-10T00:00:00', '2025-11-12T09:00:00', { inspectionDueAt: at('2025-11-30T00:00:00') }),
    task('t7', r.health, r.wjw, '2025-11-20T09:00:00', '2025-11-25T00:00:00', '2025-11-21T10:00:00', { status: 'rectifying', feedbackDueAt: at('2025-11-28T00:00:00'), feedbackAt: at('2025-11-26T09:00:00'), result: 'rectification', rectificationRound: 1, rectificationDueAt: at('2099-12-31T00:00:00') }),
    // October (the trend): one on time, one late. December: outside the month, but open past its deadline.
    task('t8', r.food, r.sjj, '2025-10-15T09:00:00', '2025-10-20T00:00:00', '2025-10-16T09:00:00', closed('2025-10-25T00:00:00', '2025-10-24T09:00:00')),
    task('t9', r.health, r.wjw, '2025-10-20T09:00:00', '2025-10-23T00:00:00', '2025-10-27T09:00:00', closed('2025-11-03T00:00:00', '2025-10-31T09:00:00')),
    task('t10', r.food, r.sjj, '2025-12-01T09:00:00', '2025-12-04T00:00:00', null),
  ];
  await db.insert(tasks).values(rows);
  const id = (label: string) => rows.find((t) => t.applicationNo === r.no[label])!.taskId;
  const sms = (label: string, template: string, sent = true) => ({ businessKey: `${id(label)}:${template}:test`, recipientPhone: '13800000111', template, body: 'x', applicationNo: r.no[label]!, taskId: id(label), status: sent ? 'sent' : 'pending', sentAt: sent ? at('2025-11-20T09:00:00') : null });
  await db.insert(notifications).values([
    sms('t1', 'task-assigned'), // neither a reminder nor an escalation
    // 食品经营监管处: reminders 2, escalations 3.
    sms('t4', 'claim-reminder'),
    sms('t4', 'claim-escalation'),
    sms('t4', 'claim-urging'),
    sms('t3', 'feedback-reminder'),
    sms('t3', 'feedback-escalation'),
    sms('t6', 'inspection-reminder', false), // not sent: not counted
  ]);
  return r;
}

const zero = { received: 0, claimedOnTime: 0, claimedLate: 0, unclaimedPastDeadline: 0, unclaimedOpen: 0, feedbackOnTime: 0, feedbackLate: 0, feedbackOverdue: 0, rectificationsOrdered: 0, rectified: 0, notRectified: 0, rectificationOpen: 0, revocationsRequested: 0, licencesRevoked: 0, remindersSent: 0, escalationsSent: 0 };

/** The November figures of the fixture, worked out by hand (see the comments above). */
export function expectedNovember(r: ReportRegion) {
  const food = { ...zero, received: 4, claimedOnTime: 2, claimedLate: 1, unclaimedPastDeadline: 1, feedbackOnTime: 1, feedbackLate: 1, feedbackOverdue: 1, rectificationsOrdered: 1, rectified: 1, remindersSent: 2, escalationsSent: 3, claimOnTimeRate: 0.5 };
  const equipment = { ...zero, received: 1, claimedOnTime: 1, feedbackOnTime: 1, rectificationsOrdered: 1, notRectified: 1, revocationsRequested: 1, licencesRevoked: 1, claimOnTimeRate: 1 };
  const health = { ...zero, received: 2, claimedOnTime: 1, claimedLate: 1, rectificationsOrdered: 1, rectificationOpen: 1, feedbackOnTime: 1, claimOnTimeRate: 0.5 };
  const sjj = { ...zero, received: 5, claimedOnTime: 3, claimedLate: 1, unclaimedPastDeadline: 1, feedbackOnTime: 2, feedbackLate: 1, feedbackOverdue: 1, rectificationsOrdered: 2, rectified: 1, notRectified: 1, revocationsRequested: 1, licencesRevoked: 1, remindersSent: 2, escalationsSent: 3, claimOnTimeRate: 0.6 };
  const wjw = { ...health };
  const totals = { ...zero, received: 7, claimedOnTime: 4, claimedLate: 2, unclaimedPastDeadline: 1, feedbackOnTime: 3, feedbackLate: 1, feedbackOverdue: 1, rectificationsOrdered: 3, rectified: 1, notRectified: 1, rectificationOpen: 1, revocationsRequested: 1, licencesRevoked: 1, remindersSent: 2, escalationsSent: 3, claimOnTimeRate: 0.5714 };
  return {
    region: { code: r.region, name: '报表测试市' },
    month: '2025-11',
    period: { from: '2025-10-31T16:00:00.000Z', to: '2025-11-30T16:00:00.000Z', timeZone: 'Asia/Shanghai' },
    totals,
    departments: [
      { code: r.sjj, name: '市场监督管理局', totals: sjj, divisions: [{ code: r.food, name: '食品经营监管处', medianClaimWorkingHours: 12, ...food }, { code: r.equipment, name: '特种设备安全监察处', medianClaimWorkingHours: 1, ...equipment }] },
      { code: r.wjw, name: '卫生健康委员会', totals: wjw, divisions: [{ code: r.health, name: '公共卫生处', medianClaimWorkingHours: 72.5, ...health }] },
    ],
    ranking: [
      { rank: 1, departmentCode: r.sjj, name: '市场监督管理局', claimOnTimeRate: 0.6, received: 5, late: 2 },
      { rank: 2, departmentCode: r.wjw, name: '卫生健康委员会', claimOnTimeRate: 0.5, received: 2, late: 1 },
    ],
    change: { previousMonth: '2025-10', received: 5, claimOnTimeRatePoints: 7.1 },
    overdueTotal: 5,
  };
}
