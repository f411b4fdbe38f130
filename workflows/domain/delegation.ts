// 委派 (docs/delegation.md): who may be named for an ordinary task — pure, so it is unit-tested
// alone; the API reads the directory and asks this.

export interface OfficerFacts {
  id: string;
  departmentCode: string;
  divisionCode: string | null;
  active: boolean;
  certificateValidFrom: string;
  certificateValidUntil: string;
}

export interface DelegationTarget {
  departmentCode: string;
  divisionCode: string;
  creditCode: string;
  /** YYYY-MM-DD (Asia/Shanghai): the delegation's day, and the task's inspection due day when known. */
  today: string;
  inspectionDueDay?: string;
  /** The supervision item's inspection method (检查方式), when the task has one. */
  inspectionMethod: string | null;
}

/**
 * A desk method (书面/资料/材料/非现场/网上/在线 审查): the item is checked on paper or online, not
 * inspected on site by law enforcement. Anything else — 现场检查, 现场核查, no method recorded,
 * a complaint's investigation — is an inspection by law-enforcement officers: at least two
 * (行政处罚法 art. 42: 执法人员不得少于两人).
 */
const DESK = /书面|资料|材料|非现场|网上|在线/;
export const minimumOfficers = (method: string | null): number => (method && DESK.test(method) ? 1 : 2);

/** Each reason an officer named cannot take the task, by officer; an empty list: the delegation may go ahead. */
export function delegationProblems(ids: string[], found: OfficerFacts[], recused: ReadonlySet<string>, t: DelegationTarget): string[] {
  const problems: string[] = [];
  const byId = new Map(found.map((o) => [o.id, o]));
  const until = t.inspectionDueDay && t.inspectionDueDay > t.today ? t.inspectionDueDay : t.today;
  for (const id of ids) {
    const o = byId.get(id);
    if (!o) {
      problems.push(`${id}: not in the inspector directory (执法检查人员名录库)`);
      continue;
    }
    if (o.departmentCode !== t.departmentCode) problems.push(`${id}: an officer of ${o.departmentCode}, not of the task's department ${t.departmentCode}`);
    else if (o.divisionCode && o.divisionCode !== t.divisionCode) problems.push(`${id}: an officer of division ${o.divisionCode}, not of the task's division ${t.divisionCode}`);
    if (!o.active) problems.push(`${id}: not active in the directory`);
    if (o.certificateValidFrom > t.today || o.certificateValidUntil < until) problems.push(`${id}: law-enforcement certificate valid ${o.certificateValidFrom} to ${o.certificateValidUntil}, not through ${until}`);
    if (recused.has(id)) problems.push(`${id}: recused (回避) from ${t.creditCode}`);
  }
  const min = minimumOfficers(t.inspectionMethod);
  if (ids.length < min) problems.push(`an inspection by law-enforcement officers (${t.inspectionMethod ?? 'no desk method recorded'}) names at least ${min} (行政处罚法 art. 42)`);
  return problems;
}
