// The policy defaults of 双随机 (分级分类监管, seed 003 §12): the share of each credit grade and
// risk grade a plan draws when it names none — fewer for good credit and low risk, more for
// dishonest and high-risk entities; an A-grade low-risk entity is exempt (免于抽查) unless the
// plan says otherwise. Pure data, for the API (plan defaults) and the docs.

/** The credit grades, best first. */
export const CREDIT_GRADES = ['A', 'B', 'C', 'D'] as const;

export const DEFAULT_SHARES: Record<'A' | 'B' | 'C' | 'D', Record<'low' | 'medium' | 'high', number>> = {
  A: { low: 0, medium: 0.02, high: 0.05 },
  B: { low: 0.03, medium: 0.05, high: 0.1 },
  C: { low: 0.1, medium: 0.15, high: 0.2 },
  D: { low: 0.2, medium: 0.3, high: 0.5 },
};

/** An A-grade low-risk entity's share when the plan does not exempt it (免于抽查 off). */
export const A_LOW_SHARE_WHEN_NOT_EXEMPT = 0.01;

/** 行政处罚法 art. 42: inspections are carried out by at least two law-enforcement officers. */
export const MIN_INSPECTORS_PER_TARGET = 2;

/** Working days after the inspection within which its result is published (一公开). */
export const PUBLICATION_WORKING_DAYS = 20;

/** 风险等级 when an entity has no assessment for the plan's items or its industry. */
export const UNASSESSED_RISK = 'medium';
