// SMS texts. Kept short and factual: the recipient needs the case, the action and the deadline.

const TEMPLATES = {
  'task-assigned': '【审管联动】{division}：{applicant}（{creditCode}）的{item}已审批通过，监管任务{taskId}已推送，请于{claimDue}前认领。',
  'claim-escalation': '【审管联动】督办：监管任务{taskId}（{applicant}）未在{claimDue}前认领，已逾期，请督促{division}立即认领。',
  'claim-urging': '【审管联动】催办：{division}，监管任务{taskId}（{applicant}）的认领期限{claimDue}已过，至今未认领，请立即认领。',
  'unrouted-alert': '【审管联动】预警：案件{applicationNo}（{item}）已审批通过，但该事项尚无已确认的监管部门，请尽快确认审管联动关系。',
  'rectification-order': '【审管联动】{applicant}：经监管检查，您单位需就{item}相关问题限期整改，整改期限至{dueAt}，逾期未整改将依法撤销许可。',
  'reinspection-notice': '【审管联动】{division}：监管任务{taskId}（{applicant}）整改期限已届满，请于{dueAt}前完成复查并反馈。',
  'revocation-request': '【审管联动】{department}：监管任务{taskId}复查未整改，监管部门申请撤销{applicant}的许可（案件{applicationNo}），请于{dueAt}前依法处理。',
  'revocation-materials': '【审管联动】{department}：案件{applicationNo}（{applicant}）承诺补交的材料逾期未补交，请于{dueAt}前依法决定撤销许可或延期。',
  'revocation-overdue': '【审管联动】督办：案件{applicationNo}（{applicant}）的撤销决定期限{dueAt}已过，至今未作出决定，请督促{department}依法处理。',
  'commitment-reminder': '【审管联动】{applicant}：您承诺补交的材料（{materials}）应于{dueAt}前提交，请按时补交，逾期将依法撤销许可并记入信用档案。',
  'commitment-overdue': '【审管联动】{department}：案件{applicationNo}（{applicant}）承诺补交材料已逾期，请依法决定撤销许可或延期。',
  'decision-overdue': '【审管联动】督办：案件{applicationNo}（{applicant}）已超过法定办结期限{dueAt}，至今未作出审批决定，请立即依法处理。',
  'inspection-reminder': '【审管联动】提醒：监管任务{taskId}（{applicant}）的监管检查应于{dueAt}前完成，请及时检查并反馈。',
  'inspection-escalation': '【审管联动】督办：监管任务{taskId}（{applicant}）已认领，检查应于{dueAt}前完成，已逾期，请督促{division}立即检查。',
  'feedback-escalation': '【审管联动】督办：监管任务{taskId}（{applicant}）的监管结果应于{dueAt}前反馈，已逾期，请督促{division}立即反馈。',
  'reinspection-escalation': '【审管联动】督办：监管任务{taskId}（{applicant}）的复查应于{dueAt}前完成并反馈，已逾期，请督促{division}立即复查。',
  'case-forwarded': '【审管联动】{department}：案件{applicationNo}（{applicant}）经市县分工由{from}转来，请登录系统及时作出审批决定。',
  'decision-reminder': '【审管联动】{department}：案件{applicationNo}（{applicant}）的法定办结期限为{dueAt}，请及时作出审批决定。',
  'notice-failed': '【审管联动】督办：监管任务{taskId}（{applicant}）的派单短信未能送达{division}管理员，请督促其于{claimDue}前认领。',
  'claim-reminder': '【审管联动】提醒：监管任务{taskId}（{applicant}）将于{claimDue}认领期满，请及时认领。',
  'monthly-report': '【审管联动】{office}：{region}{month}审管联动运行情况通报已生成：接收监管任务{received}件，按时认领率{rate}，当前超期未办结{overdue}项，请登录系统查阅。',
  'notice-registration': '【审管联动】双告知：{department}，{subject}（{creditCode}）已登记，经营范围涉及{item}，请于{dueAt}前认领（{noticeId}）。',
  'notice-linkage': '【审管联动】联动告知：{department}，{subject}（{creditCode}）：{matter}。请于{dueAt}前签收反馈（{noticeId}）。',
  'notice-reminder': '【审管联动】提醒：{subject}（{creditCode}）的{kind}将于{dueAt}到期，请及时{action}（{noticeId}）。',
  'notice-escalation': '【审管联动】督办：{department}未在{dueAt}前{action}{subject}（{creditCode}）的{kind}，已逾期，请督促办理（{noticeId}）。',
  'complaint-assigned': '【审管联动】{division}：关于{applicant}的{item}，监管任务{taskId}已派发，请于{claimDue}前认领并按时答复。',
  'complaint-reply-reminder': '【审管联动】提醒：投诉{complaintNo}（{applicant}）应于{dueAt}前答复，请及时答复。',
  'complaint-reply-overdue': '【审管联动】督办：投诉{complaintNo}（{applicant}）的答复期限{dueAt}已过，至今未答复，请督促{division}立即答复。',
  'feedback-reminder': '【审管联动】提醒：监管任务{taskId}（{applicant}）的监管结果应于{feedbackDue}前反馈，请及时反馈。',
} as const;

export type MessageTemplate = keyof typeof TEMPLATES;

/** How long one parameter may run in a message (a name, an item, a reason). */
export const PARAM_MAX = 60;

/**
 * A parameter as it may stand in a government-signed SMS: no brackets (a name like
 * `】【市公安局】` would forge the signature), no links, no control characters, bounded.
 */
export function smsParam(value: string): string {
  const clean = value
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/(?:https?:\/\/|www\.)\S*/giu, '')
    .replace(/[【】〖〗〔〕［］[\]]/gu, '')
    .replace(/\s+/gu, ' ')
    .trim();
  return [...clean].length > PARAM_MAX ? `${[...clean].slice(0, PARAM_MAX - 1).join('')}…` : clean;
}

export function renderMessage(template: MessageTemplate, params: Record<string, string>): string {
  return TEMPLATES[template].replace(/\{(\w+)\}/g, (_, k: string) => (params[k] === undefined ? `{${k}}` : smsParam(params[k])));
}
