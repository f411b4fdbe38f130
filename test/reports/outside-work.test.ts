// Complaints and department notices in the monthly 通报 (db/queries/report-outside.ts): per
// department of the region, received in the month (Asia/Shanghai) and answered within the
// window or not, as they stand at the report's instant; other months and other regions left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complaints, departmentNotices } from '../../db/schema/index.js';
import { monthlyReport, type MonthlyReport } from '../../db/queries/reports.js';
import { monthlyReportSchema } from '../../api/routes/reports.js';
import { reportHtml } from '../../api/report/html.js';
import { closeDatabase, database, freshCreditCode, uniqueId } from '../helpers.js';
import { seedReportRegion, type ReportRegion } from './fixture.js';

const at = (shanghai: string) => new Date(`${shanghai}+08:00`);
const asOf = at('2025-12-10T12:00:00');
let r: ReportRegion;
let report: MonthlyReport;

const complaint = (department: string, division: string, receivedAt: string, dueAt: string, repliedAt: string | null, regionCode = r.region) => {
  const no = uniqueId('C12345');
  return { complaintNo: no, source: '12345' as const, ticketId: no, requestHash: 'h', regionCode, enterpriseName: '测试企业', matter: '投诉事项', routedBy: 'item', departmentCode: department, divisionCode: division, taskId: `task-${no}.${department}`, status: repliedAt ? 'replied' : 'assigned', receivedAt: at(receivedAt), replyDueAt: at(dueAt), repliedAt: repliedAt ? at(repliedAt) : null };
};
const notice = (department: string, kind: 'registration' | 'linkage', createdAt: string, dueAt: string, answeredAt: string | null, status?: string) => ({
  noticeId: uniqueId('notice'),
  kind,
  status: status ?? (answeredAt ? (kind === 'registration' ? 'claimed' : 'acknowledged') : kind === 'registration' ? 'awaiting-claim' : 'awaiting-acknowledgement'),
  regionCode: r.region,
  departmentCode: department,
  raisedBy: { sub: 'test', role: 'system' },
  originTrail: 'registration-x',
  creditCode: freshCreditCode(),
  subjectName: '测试企业',
  matter: '告知事项',
  policy: {} as never,
  openedAt: at(createdAt),
  createdAt: at(createdAt),
  dueAt: at(dueAt),
  answeredAt: answeredAt ? at(answeredAt) : null,
});

beforeAll(async () => {
  r = await seedReportRegion();
  const { db } = database();
  await db.insert(complaints).values([
    complaint(r.sjj, r.food, '2025-11-03T10:00:00', '2025-11-10T23:59:59', '2025-11-07T10:00:00'), // on time
    complaint(r.sjj, r.food, '2025-11-12T10:00:00', '2025-11-19T23:59:59', '2025-11-21T10:00:00'), // late
    complaint(r.sjj, r.equipment, '2025-11-25T10:00:00', '2025-12-02T23:59:59', null), // past the deadline, unreplied
    complaint(r.wjw, r.health, '2025-11-30T20:00:00', '2025-12-12T23:59:59', null), // open, not yet due
    complaint(r.sjj, r.food, '2025-12-01T09:00:00', '2025-12-08T23:59:59', null), // December: not this month
    complaint(r.sjj, r.food, '2025-10-31T23:59:00', '2025-11-07T23:59:59', null), // October (Shanghai): not this month
  ]);
  await db.insert(departmentNotices).values([
    notice(r.spj, 'registration', '2025-11-04T10:00:00', '2025-11-07T23:59:59', '2025-11-06T10:00:00'), // claimed on time
    notice(r.spj, 'registration', '2025-11-10T10:00:00', '2025-11-13T23:59:59', '2025-11-17T10:00:00'), // claimed late
    notice(r.spj, 'registration', '2025-11-18T10:00:00', '2025-11-21T23:59:59', null, 'licensed'), // closed by the licence
    notice(r.spj, 'registration', '2025-11-26T10:00:00', '2025-12-01T23:59:59', null), // past the deadline
    notice(r.sjj, 'linkage', '2025-11-28T10:00:00', '2025-12-03T23:59:59', '2025-12-02T10:00:00'), // acknowledged on time
    notice(r.sjj, 'linkage', '2025-11-30T22:00:00', '2025-12-11T23:59:59', null), // open
  ]);
  report = await monthlyReport(db, { code: r.region, name: '报表测试市' }, '2025-11', asOf);
});
afterAll(() => closeDatabase());

describe('the monthly 通报: complaints and notices', () => {
  it('counts each department’s complaints and notices of the month by their timeliness', () => {
    const none = { received: 0, answeredOnTime: 0, answeredLate: 0, licensedUnclaimed: 0, unansweredPastDeadline: 0, unansweredOpen: 0 };
    const noComplaints = { received: 0, repliedOnTime: 0, repliedLate: 0, unrepliedPastDeadline: 0, unrepliedOpen: 0 };
    expect(report.outsideWork.departments).toEqual([
      { code: r.sjj, name: '市场监督管理局', complaints: { received: 3, repliedOnTime: 1, repliedLate: 1, unrepliedPastDeadline: 1, unrepliedOpen: 0 }, notices: { ...none, received: 2, answeredOnTime: 1, unansweredOpen: 1 } },
      { code: r.spj, name: '行政审批局', complaints: noComplaints, notices: { received: 4, answeredOnTime: 1, answeredLate: 1, licensedUnclaimed: 1, unansweredPastDeadline: 1, unansweredOpen: 0 } },
      { code: r.wjw, name: '卫生健康委员会', complaints: { ...noComplaints, received: 1, unrepliedOpen: 1 }, notices: none },
    ]);
    expect(report.outsideWork.totals).toEqual({
      complaints: { received: 4, repliedOnTime: 1, repliedLate: 1, unrepliedPastDeadline: 1, unrepliedOpen: 1 },
      notices: { received: 6, answeredOnTime: 2, answeredLate: 1, licensedUnclaimed: 1, unansweredPastDeadline: 1, unansweredOpen: 1 },
    });
  });

  it('is in the answer’s schema and on the page', () => {
    expect(monthlyReportSchema.parse(report).outsideWork).toEqual(report.outsideWork);
    const html = reportHtml(report);
    expect(html).toContain('四、投诉举报与部门告知');
    expect(html).toMatch(/<tr><th>行政审批局<\/th><td>0<\/td><td>0<\/td><td>0<\/td><td>0<\/td><td>0<\/td><td>4<\/td><td>1<\/td><td>1<\/td><td>1<\/td><td>1<\/td><td>0<\/td><\/tr>/);
    // A report kept before these figures existed still renders.
    const { outsideWork: _o, ...older } = report;
    expect(reportHtml(older as MonthlyReport)).not.toContain('投诉举报（12345');
  });
});
