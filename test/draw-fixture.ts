// A directory and roster for draw tests and the draw benchmark, the same for every run: entity
// n has a credit code made from n, its credit grade and risk grade from n's residues (so every
// class is populated, B and C most), a roster of twelve officers (one expired, one not valid
// yet) and a conflict for every 37th entity.
import { creditCodeCheckChar } from '../workflows/domain/credit-code.js';
import type { CreditGrade, PlanContent, RiskGrade, RosterEntry, Snapshot } from '../activities/draw/terms.js';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** The n-th test credit code of region `region` (9 base-31 digits of n, then the check character). */
export function testCreditCode(n: number, region = '320700', prefix = '91'): string {
  let body = '';
  for (let x = n, i = 0; i < 9; i++, x = Math.floor(x / 31)) body = ALPHABET[x % 31] + body;
  const first17 = `${prefix}${region}${body}`;
  return first17 + creditCodeCheckChar(first17);
}

const GRADES: CreditGrade[] = ['A', 'B', 'B', 'B', 'C', 'C', 'C', 'D', 'A', 'B'];
const RISKS: RiskGrade[] = ['low', 'medium', 'medium', 'high', 'low', 'medium', 'low'];

export const gradeOf = (n: number): CreditGrade => GRADES[n % GRADES.length]!;
export const riskOf = (n: number): RiskGrade => RISKS[Math.floor(n / 10) % RISKS.length]!;

export const testRoster = (): RosterEntry[] => [
  ...Array.from({ length: 6 }, (_, i) => ({ id: `LYG-SJJ-0${i + 1}`, validFrom: '2024-01-01', validUntil: '2028-12-31', items: ['SJ-FOOD-01', 'SJ-FOOD-02'] })),
  ...Array.from({ length: 4 }, (_, i) => ({ id: `LYG-WJW-0${i + 1}`, validFrom: '2025-06-01', validUntil: '2027-05-31', items: ['WJ-GGWS-01'] })),
  { id: 'LYG-SJJ-E01', validFrom: '2021-01-01', validUntil: '2026-12-15', items: ['SJ-FOOD-01'] }, // expires within the period
  { id: 'LYG-SJJ-F01', validFrom: '2026-12-10', validUntil: '2031-12-09', items: ['SJ-FOOD-02'] }, // valid only from within the period
];

export function directorySnapshot(plan: PlanContent, seed: string, size: number, region = '320700'): Snapshot {
  const population = Array.from({ length: size }, (_, n) => ({ creditCode: testCreditCode(n, region), creditGrade: gradeOf(n), riskGrade: riskOf(n) }));
  const roster = testRoster();
  const conflicts = population.filter((_, n) => n % 37 === 0).map((e, k) => ({ inspectorId: roster[k % 6]!.id, creditCode: e.creditCode }));
  return { seed, plan, population, inspectors: roster, conflicts };
}
