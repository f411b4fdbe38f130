// The vocabulary of the draw `sg-draw-v1` (docs/random-inspections.md): what a plan commits to,
// the snapshot a draw runs on and the result it answers, and the canonical JSON and hashes that
// fix a plan's content and the seed. The draw itself is activities/draw/algorithm.ts.
import { sha256hex } from './prng.js';

export const ALGORITHM = 'sg-draw-v1';
export const CREDIT_GRADES = ['A', 'B', 'C', 'D'] as const;
export const RISK_GRADES = ['low', 'medium', 'high'] as const;
export type CreditGrade = (typeof CREDIT_GRADES)[number];
export type RiskGrade = (typeof RISK_GRADES)[number];

/** What a plan commits to: the draw depends on these fields and nothing else. */
export interface PlanContent {
  planId: string;
  regionCode: string;
  departments: string[];
  items: string[];
  itemsPerTarget: number | null;
  filter: { industries?: string[]; creditGrades?: string[] };
  shares: Record<string, Record<string, number>>;
  inspectorsPerTarget: number;
  periodStart: string;
  periodEnd: string;
  publicationDays: number;
}

export interface PopulationEntry {
  creditCode: string;
  creditGrade: CreditGrade;
  riskGrade: RiskGrade;
}
export interface RosterEntry {
  id: string;
  validFrom: string;
  validUntil: string;
  items: string[];
}
export interface Snapshot {
  seed: string;
  plan: PlanContent;
  population: PopulationEntry[];
  inspectors: RosterEntry[];
  conflicts: Array<{ inspectorId: string; creditCode: string }>;
}

export interface DrawnTarget {
  ordinal: number;
  creditCode: string;
  creditGrade: CreditGrade;
  riskGrade: RiskGrade;
  items: string[];
  inspectorIds: string[];
}
export interface DrawResult {
  targets: DrawnTarget[];
  classes: Array<{ creditGrade: CreditGrade; riskGrade: RiskGrade; population: number; share: number; drawn: number }>;
  unstaffed: string[];
  resultHash: string;
}

/** JSON with object keys in sorted order at every level: one text per value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const contentHashOf = (plan: PlanContent): string => sha256hex(canonicalJson(plan));

/** The seed: fixed at commit, from the committed content and a value published beforehand. */
export const deriveSeed = (contentHash: string, beacon: string): string => sha256hex(`${ALGORITHM}\n${contentHash}\n${beacon}`);

/** Code-unit order (not the locale's): the order of every sorted list in the document and the result. */
export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
