// Every notice the two workflows send, built in one place: its recipient, template, parameters
// and business key (the key makes a retried send one message: ARCHITECTURE.md, exactly-once
// effects). Each builder answers what `send` needs.
import { run } from './acts.js';
import type { NotifyInput } from '../activities/index.js';
import type { SupervisionTaskInput } from './contracts.js';
import { formatShanghai } from './domain/format.js';

export interface Notice {
  /** One line for the Temporal UI. */
  summary: string;
  input: NotifyInput;
}

export const send = (n: Notice) => run('notify', n.summary, n.input);

export interface CaseParties {
  applicationNo: string;
  applicantName: string;
  approvalDepartment: string;
  regionCode: string;
  itemName: string;
}

type HeadTemplate = 'decision-reminder' | 'decision-overdue' | 'commitment-overdue' | 'revocation-request' | 'revocation-materials';

export function caseNotices(c: CaseParties) {
  const { applicationNo } = c;
  return {
    toHead: (template: HeadTemplate, key: string, params: Record<string, string> = {}): Notice => ({
      summary: `${template} to the head of ${c.approvalDepartment}`,
      input: {
        businessKey: `${applicationNo}:${key}`,
        recipient: { kind: 'department-head', departmentCode: c.approvalDepartment },
        template,
        params: { department: c.approvalDepartment, applicationNo, applicant: c.applicantName, taskId: '', ...params },
        applicationNo,
      },
    }),
    unroutedAlert: (kind: 'regional-admin' | 'coordinating-office'): Notice => ({
      summary: `unrouted alert to the ${kind} of ${c.regionCode}`,
      input: { businessKey: `unrouted:${applicationNo}:${kind}`, recipient: { kind, regionCode: c.regionCode }, template: 'unrouted-alert', params: { applicationNo, item: c.itemName }, applicationNo },
    }),
    commitmentReminder: (dueAt: string, materials: string[]): Notice => ({
      summary: 'remind the applicant of the deferred materials',
      input: {
        businessKey: `${applicationNo}:commitment-reminder:${dueAt}`,
        recipient: { kind: 'applicant', applicationNo },
        template: 'commitment-reminder',
        params: { applicant: c.applicantName, materials: materials.join('、'), dueAt: formatShanghai(dueAt) },
        applicationNo,
      },
    }),
    revocationEscalation: (step: string, dueAt: string): Notice => ({
      summary: 'revocation decision overdue: escalate to the coordinating office',
      input: {
        businessKey: `${applicationNo}:${step}:escalation`,
        recipient: { kind: 'coordinating-office', regionCode: c.regionCode },
        template: 'revocation-overdue',
        params: { department: c.approvalDepartment, applicationNo, applicant: c.applicantName, dueAt: formatShanghai(dueAt) },
        applicationNo,
      },
    }),
    /** 联动告知: a department linked to the case hears of the revocation. */
    revocationNotice: (link: { departmentCode: string; divisionCode: string }, creditCode: string, at: string, reason: string): Notice => ({
      summary: `tell ${link.departmentCode} of the revocation`,
      input: {
        businessKey: `${applicationNo}:revocation-notice:${link.departmentCode}`,
        recipient: { kind: 'division-admin', divisionCode: link.divisionCode },
        template: 'revocation-notice',
        params: { applicant: c.applicantName, creditCode, item: c.itemName, at: formatShanghai(at), reason },
        applicationNo,
      },
    }),
  };
}

export type EscalationTarget = 'department-head' | 'coordinating-office';

export function taskNotices(t: SupervisionTaskInput) {
  const { taskId, divisionCode, applicantName: applicant } = t;
  // The outbox files a task's messages under its origin's number, as the trail does.
  const applicationNo = t.origin.no;
  const toDivision = (businessKey: string, template: NotifyInput['template'], params: Record<string, string>): NotifyInput => ({
    businessKey,
    recipient: { kind: 'division-admin', divisionCode },
    template,
    params,
    applicationNo,
    taskId,
  });
  return {
    assigned: (claimDue: string): Notice => ({
      summary: `SMS to the admin of ${divisionCode}: new task`,
      input: toDivision(`${taskId}:claim-notice`, 'task-assigned', { division: divisionCode, applicant, creditCode: t.creditCode, item: t.itemName, taskId, claimDue: formatShanghai(claimDue) }),
    }),
    noticeFailed: (claimDue: string): Notice => ({
      summary: `task SMS failed: tell the head of ${t.departmentCode}`,
      input: {
        businessKey: `${taskId}:notice-failed`,
        recipient: { kind: 'department-head', departmentCode: t.departmentCode },
        template: 'notice-failed',
        params: { division: divisionCode, applicant, taskId, claimDue: formatShanghai(claimDue) },
        applicationNo,
        taskId,
      },
    }),
    claimReminder: (claimDue: string): Notice => ({
      summary: `claim reminder to the admin of ${divisionCode}`,
      input: toDivision(`${taskId}:claim-reminder:${claimDue}`, 'claim-reminder', { applicant, taskId, claimDue: formatShanghai(claimDue) }),
    }),
    /** The escalation of a missed claim deadline: the department head, or the coordinating office. */
    claimEscalation: (to: EscalationTarget, claimDue: string): NotifyInput => ({
      businessKey: to === 'department-head' ? `${taskId}:claim-escalation` : `${taskId}:claim-escalation:${to}`,
      recipient: to === 'department-head' ? { kind: 'department-head', departmentCode: t.departmentCode } : { kind: 'coordinating-office', regionCode: t.regionCode },
      template: 'claim-escalation',
      params: { division: divisionCode, applicant, taskId, claimDue: formatShanghai(claimDue) },
      applicationNo,
      taskId,
    }),
    escalationTarget: (to: EscalationTarget) => `the ${to} of ${to === 'department-head' ? t.departmentCode : t.regionCode}`,
    /**
     * A missed feedback or re-inspection deadline, one step of its ladder: the department head at
     * the deadline, the coordinating office the next working day. Each step its own key.
     */
    overdueEscalation: (kind: 'inspection' | 'feedback' | 'reinspection', to: EscalationTarget, dueAt: string, round?: number): Notice => {
      const base = `${taskId}:${kind}-escalation${round === undefined ? '' : `:${round}`}`;
      return {
        summary: `${kind} overdue: escalate to the ${to}`,
        input: {
          businessKey: to === 'department-head' ? base : `${base}:${to}`,
          recipient: to === 'department-head' ? { kind: 'department-head', departmentCode: t.departmentCode } : { kind: 'coordinating-office', regionCode: t.regionCode },
          template: `${kind}-escalation`,
          params: { division: divisionCode, applicant, taskId, dueAt: formatShanghai(dueAt) },
          applicationNo,
          taskId,
        },
      };
    },
    urging: (claimDue: string): Notice => ({
      summary: `urge the admin of ${divisionCode} to claim (催办)`,
      input: toDivision(`${taskId}:claim-urging`, 'claim-urging', { division: divisionCode, applicant, taskId, claimDue: formatShanghai(claimDue) }),
    }),
    inspectionReminder: (dueAt: string): Notice => ({
      summary: `inspection reminder to the admin of ${divisionCode}`,
      input: toDivision(`${taskId}:inspection-reminder:${dueAt}`, 'inspection-reminder', { applicant, taskId, dueAt: formatShanghai(dueAt) }),
    }),
    feedbackReminder: (feedbackDue: string): Notice => ({
      summary: `feedback reminder to the admin of ${divisionCode}`,
      input: toDivision(`${taskId}:feedback-reminder:${feedbackDue}`, 'feedback-reminder', { applicant, taskId, feedbackDue: formatShanghai(feedbackDue) }),
    }),
    rectificationOrder: (round: number, dueAt: string): Notice => ({
      summary: `rectification order to the applicant (round ${round})`,
      input: {
        businessKey: `${taskId}:rectification-order:${round}`,
        // Without a case of ours (a complaint) no phone of the enterprise is on file: the order is served on site, the SMS fails on the record.
        recipient: t.origin.kind === 'approval' ? { kind: 'applicant', applicationNo } : { kind: 'enterprise', creditCode: t.creditCode, name: applicant },
        template: 'rectification-order',
        params: { applicant, item: t.itemName, dueAt: formatShanghai(dueAt) },
        applicationNo,
        taskId,
      },
    }),
    /** The reminder's key carries the deadline: a moved deadline is reminded again. */
    reinspection: (key: 'notice' | 'reminder', round: number, dueAt: string): Notice => ({
      summary: `re-inspection ${key} to the admin of ${divisionCode}`,
      input: toDivision(key === 'notice' ? `${taskId}:reinspection-notice:${round}` : `${taskId}:reinspection-reminder:${round}:${dueAt}`, 'reinspection-notice', { division: divisionCode, applicant, taskId, dueAt: formatShanghai(dueAt) }),
    }),
  };
}

export type TaskNotices = ReturnType<typeof taskNotices>;
export type CaseNotices = ReturnType<typeof caseNotices>;
