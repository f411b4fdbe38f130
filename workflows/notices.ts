// Every notice the two workflows send, built in one place: its recipient, template, parameters
// and business key (the key makes a retried send one message: ARCHITECTURE.md, exactly-once
// effects). Each builder answers what `send` needs.
import { run } from './acts.js';
import type { NotifyInput } from '../activities/index.js';
import type { DepartmentNoticeInput, SupervisionTaskInput } from './contracts.js';
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

type HeadTemplate = 'case-forwarded' | 'decision-reminder' | 'decision-overdue' | 'commitment-overdue' | 'revocation-request' | 'revocation-materials';

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
  };
}

export type EscalationTarget = 'department-head' | 'coordinating-office';

/** What each of a task's notices is built from: its parties, and the recipients it has. */
function taskParties(t: SupervisionTaskInput) {
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
  const escalationRecipient = (to: EscalationTarget): NotifyInput['recipient'] => (to === 'department-head' ? { kind: 'department-head', departmentCode: t.departmentCode } : { kind: 'coordinating-office', regionCode: t.regionCode });
  return { t, taskId, divisionCode, applicant, applicationNo, toDivision, escalationRecipient };
}

type TaskParties = ReturnType<typeof taskParties>;

/** The claim window's notices: the new task, its failed SMS, the reminder, the escalation, the urging (催办). */
function claimNotices({ t, taskId, divisionCode, applicant, applicationNo, toDivision, escalationRecipient }: TaskParties) {
  return {
    assigned: (claimDue: string): Notice => ({
      summary: `SMS to the admin of ${divisionCode}: new task`,
      input: toDivision(`${taskId}:claim-notice`, t.origin.kind === 'complaint' ? 'complaint-assigned' : 'task-assigned', { division: divisionCode, applicant, creditCode: t.creditCode, item: t.itemName, taskId, claimDue: formatShanghai(claimDue) }),
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
      recipient: escalationRecipient(to),
      template: 'claim-escalation',
      params: { division: divisionCode, applicant, taskId, claimDue: formatShanghai(claimDue) },
      applicationNo,
      taskId,
    }),
    escalationTarget: (to: EscalationTarget) => `the ${to} of ${to === 'department-head' ? t.departmentCode : t.regionCode}`,
    urging: (claimDue: string): Notice => ({
      summary: `urge the admin of ${divisionCode} to claim (催办)`,
      input: toDivision(`${taskId}:claim-urging`, 'claim-urging', { division: divisionCode, applicant, taskId, claimDue: formatShanghai(claimDue) }),
    }),
  };
}

/** The inspection and feedback windows' notices: their reminders, and the ladder of every overdue window after the claim. */
function windowNotices({ taskId, divisionCode, applicant, applicationNo, toDivision, escalationRecipient }: TaskParties) {
  return {
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
          recipient: escalationRecipient(to),
          template: `${kind}-escalation`,
          params: { division: divisionCode, applicant, taskId, dueAt: formatShanghai(dueAt) },
          applicationNo,
          taskId,
        },
      };
    },
    inspectionReminder: (dueAt: string): Notice => ({
      summary: `inspection reminder to the admin of ${divisionCode}`,
      input: toDivision(`${taskId}:inspection-reminder:${dueAt}`, 'inspection-reminder', { applicant, taskId, dueAt: formatShanghai(dueAt) }),
    }),
    feedbackReminder: (feedbackDue: string): Notice => ({
      summary: `feedback reminder to the admin of ${divisionCode}`,
      input: toDivision(`${taskId}:feedback-reminder:${feedbackDue}`, 'feedback-reminder', { applicant, taskId, feedbackDue: formatShanghai(feedbackDue) }),
    }),
  };
}

/** Rectification's notices: the order to the enterprise, and the re-inspection notice and reminder. */
function rectificationNotices({ t, taskId, divisionCode, applicant, applicationNo, toDivision }: TaskParties) {
  return {
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

/** A task's notices, by the phase that sends them. */
export function taskNotices(t: SupervisionTaskInput) {
  const p = taskParties(t);
  return { ...claimNotices(p), ...windowNotices(p), ...rectificationNotices(p) };
}

export type TaskNotices = ReturnType<typeof taskNotices>;
export type CaseNotices = ReturnType<typeof caseNotices>;

/** Who holds a notice now, as the notice's activities answer it. */
export interface NoticeHolder {
  departmentCode: string;
  divisionCode: string | null;
  regionCode: string;
  itemName: string | null;
  escalateTo: EscalationTarget[];
}

/**
 * A department notice's messages (双告知, 联动告知): to the holder (its division's admin, else the
 * department head), its reminder, and the escalation. Each hop its own keys: a forwarded notice
 * is told to its new holder once. The trail key is the notice id.
 */
export function departmentNotices(n: DepartmentNoticeInput) {
  const { noticeId } = n;
  const registration = n.kind === 'registration';
  const base = (h: NoticeHolder) => ({ department: h.departmentCode, subject: n.subjectName, creditCode: n.creditCode, item: h.itemName ?? n.itemCode ?? '', matter: n.matter, noticeId, kind: registration ? '双告知' : '联动告知', action: registration ? '认领' : '签收反馈' });
  const toHolder = (h: NoticeHolder): NotifyInput['recipient'] => (h.divisionCode ? { kind: 'division-admin', divisionCode: h.divisionCode } : { kind: 'department-head', departmentCode: h.departmentCode });
  const msg = (businessKey: string, recipient: NotifyInput['recipient'], template: NotifyInput['template'], params: Record<string, string>): NotifyInput => ({ businessKey, recipient, template, params, applicationNo: noticeId });
  return {
    toHolder: (h: NoticeHolder & { dueAt: string }, hop: number): Notice => ({
      summary: `${registration ? '双告知' : '联动告知'} to ${h.divisionCode ?? `the head of ${h.departmentCode}`}`,
      input: msg(`${noticeId}:notice:${hop}`, toHolder(h), registration ? 'notice-registration' : 'notice-linkage', { ...base(h), dueAt: formatShanghai(h.dueAt) }),
    }),
    reminder: (h: NoticeHolder, hop: number, dueAt: string): Notice => ({
      summary: `notice reminder to ${h.divisionCode ?? `the head of ${h.departmentCode}`}`,
      input: msg(`${noticeId}:reminder:${hop}:${dueAt}`, toHolder(h), 'notice-reminder', { ...base(h), dueAt: formatShanghai(dueAt) }),
    }),
    /** The missed deadline: the department head (when the notice went to a division) and the coordinating office, as the policy's ladder says. */
    escalation: (h: NoticeHolder, hop: number, dueAt: string): Notice[] =>
      h.escalateTo
        .filter((to) => to !== 'department-head' || h.divisionCode)
        .map((to) => ({
          summary: `notice overdue: escalate to the ${to}`,
          input: msg(`${noticeId}:escalation:${hop}:${to}`, to === 'department-head' ? { kind: 'department-head', departmentCode: h.departmentCode } : { kind: 'coordinating-office', regionCode: h.regionCode }, 'notice-escalation', { ...base(h), dueAt: formatShanghai(dueAt) }),
        })),
  };
}

/** The reply window's notices of a complaint (its task's own notices are the task's). */
export function complaintNotices(c: { complaintNo: string; applicant: string; divisionCode: string; regionCode: string; taskId: string }) {
  const { complaintNo, applicant } = c;
  return {
    replyReminder: (dueAt: string): Notice => ({
      summary: `reply reminder to the admin of ${c.divisionCode}`,
      input: { businessKey: `${complaintNo}:reply-reminder:${dueAt}`, recipient: { kind: 'division-admin', divisionCode: c.divisionCode }, template: 'complaint-reply-reminder', params: { complaintNo, applicant, dueAt: formatShanghai(dueAt) }, applicationNo: complaintNo, taskId: c.taskId },
    }),
    replyOverdue: (dueAt: string): Notice => ({
      summary: `reply overdue: escalate to the coordinating office of ${c.regionCode}`,
      input: { businessKey: `${complaintNo}:reply-escalation`, recipient: { kind: 'coordinating-office', regionCode: c.regionCode }, template: 'complaint-reply-overdue', params: { complaintNo, applicant, division: c.divisionCode, dueAt: formatShanghai(dueAt) }, applicationNo: complaintNo, taskId: c.taskId },
    }),
  };
}
