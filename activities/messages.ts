// SMS texts. Kept short and factual: the recipient needs the case, the action and the deadline.

const TEMPLATES = {
  'task-assigned': '【审管联动】{division}：{applicant}（{creditCode}）的{item}已审批通过，监管任务{taskId}已推送，请于{claimDue}前认领。',
  'claim-escalation': '【审管联动】督办：监管任务{taskId}（{applicant}）未在{claimDue}前认领，已逾期，请督促{division}立即认领。',
  'unrouted-alert': '【审管联动】预警：案件{applicationNo}（{item}）已审批通过，但该事项尚无已确认的监管部门，请尽快确认审管联动关系。',
  'claim-reminder': '【审管联动】提醒：监管任务{taskId}（{applicant}）将于{claimDue}认领期满，请及时认领。',
  'feedback-reminder': '【审管联动】提醒：监管任务{taskId}（{applicant}）的监管结果应于{feedbackDue}前反馈，请及时反馈。',
} as const;

export type MessageTemplate = keyof typeof TEMPLATES;

export function renderMessage(template: MessageTemplate, params: Record<string, string>): string {
  return TEMPLATES[template].replace(/\{(\w+)\}/g, (_, k: string) => params[k] ?? `{${k}}`);
}
