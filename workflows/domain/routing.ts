// Credit-based routing (审批事前信用查询 → route). Pure policy: the same inputs always give the
// same route and reason, so it can run inside workflow code and be unit-tested alone.

import { formatShanghai } from './format.js';

export type Grade = 'A' | 'B' | 'C' | 'D';

/** A joint-punishment measure (联合惩戒) in force on the applicant that bars 告知承诺 here. */
export interface CommitmentRestriction {
  measureCode: string;
  name: string;
  decisionNo: string;
  /** ISO instant the measure runs out, unless credit repair ends it first. */
  endsAt: string;
}

export interface CreditFacts {
  grade: Grade;
  blacklisted: boolean;
  brokenCommitments: number;
  /** 一处失信，处处受限: measures of the implementing department in force on the applicant. */
  jointPunishments?: CommitmentRestriction[];
}

export interface ItemRoutingFacts {
  commitmentAllowed: boolean;
  /** Lowest grade that may use commitment approval (published city rules: B). */
  minimumGrade?: Grade;
}

export interface RouteDecision {
  route: 'standard' | 'commitment';
  reason: string;
}

const ORDER: Record<Grade, number> = { A: 0, B: 1, C: 2, D: 3 };

/** Why an applicant may not use commitment approval, or null when in good standing. */
export function commitmentBar(credit: CreditFacts, item: ItemRoutingFacts): string | null {
  if (!item.commitmentAllowed) return 'the item does not allow commitment approval (告知承诺)';
  if (credit.blacklisted) return 'the applicant is on the dishonesty list (失信/黑名单)';
  const measures = credit.jointPunishments ?? [];
  if (measures.length > 0) {
    return `the applicant is under joint punishment (联合惩戒): ${measures.map((m) => `${m.name} (measure ${m.measureCode}, decision ${m.decisionNo}, until ${formatShanghai(m.endsAt)})`).join('; ')}`;
  }
  if (credit.brokenCommitments > 0) {
    return `the applicant has ${credit.brokenCommitments} broken commitment(s) on record`;
  }
  const min = item.minimumGrade ?? 'B';
  if (ORDER[credit.grade] > ORDER[min]) return `credit grade ${credit.grade} is below the required ${min}`;
  return null;
}

export function decideRoute(requested: 'auto' | 'standard' | 'commitment', credit: CreditFacts, item: ItemRoutingFacts): RouteDecision {
  if (requested === 'standard') return { route: 'standard', reason: 'standard route requested' };
  const bar = commitmentBar(credit, item);
  if (bar) return { route: 'standard', reason: `standard route: ${bar}` };
  return {
    route: 'commitment',
    reason: `commitment approval: credit grade ${credit.grade}, no dishonesty or broken commitment on record`,
  };
}
