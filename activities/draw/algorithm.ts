// The draw of 双随机 (issue #27), `sg-draw-v1`, exactly as docs/random-inspections.md states it,
// so that anyone can re-run a draw from its snapshot document alone: the document carries the
// seed, the plan's content, the population, the roster and the conflicts in canonical text; the
// PRNG is SHA-256 in counter mode over the seed; targets are drawn per class (credit × risk) by
// a partial Fisher–Yates shuffle of the class in credit-code order, then items (三随机) and
// inspectors per target the same way. Pure but for node:crypto's SHA-256: the worker's activity,
// the verify activity and `npm run verify-draw` all run this one function.
import { createHash } from 'node:crypto';

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

export const sha256hex = (text: string | Uint8Array): string => createHash('sha256').update(text).digest('hex');

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

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The PRNG: block k = SHA-256(seed bytes ‖ k as 8 bytes big-endian), read as eight 32-bit big-endian words. */
export class HashStream {
  private readonly seed: Buffer;
  private counter = 0n;
  private block = Buffer.alloc(0);
  private at = 32;

  constructor(seedHex: string) {
    if (!/^[0-9a-f]{64}$/.test(seedHex)) throw new Error('the seed is 64 lowercase hex digits');
    this.seed = Buffer.from(seedHex, 'hex');
  }

  next32(): number {
    if (this.at === 32) {
      const k = Buffer.alloc(8);
      k.writeBigUInt64BE(this.counter++);
      this.block = createHash('sha256').update(this.seed).update(k).digest();
      this.at = 0;
    }
    const x = this.block.readUInt32BE(this.at);
    this.at += 4;
    return x;
  }

  /** Uniform in [0, n), by rejection: words at or above the largest multiple of n below 2^32 are skipped. */
  below(n: number): number {
    if (n <= 1) return 0;
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.next32();
      if (x < limit) return x % n;
    }
  }
}

/** The first k of `list` after a partial Fisher–Yates shuffle (list is copied). */
function pick<T>(rng: HashStream, list: readonly T[], k: number): T[] {
  const a = list.slice();
  const n = a.length;
  for (let i = 0; i < Math.min(k, n); i++) {
    const j = i + rng.below(n - i);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.slice(0, Math.min(k, n));
}

/** The number a class's share calls for: ⌈share × population⌉, so a class with any share is never skipped. */
export const classQuota = (share: number, population: number): number => (share <= 0 ? 0 : Math.min(population, Math.ceil(Math.min(share, 1) * population - 1e-9)));

export function draw(s: Snapshot): DrawResult {
  const rng = new HashStream(s.seed);
  const plan = s.plan;
  const classes: DrawResult['classes'] = [];
  const drawn: PopulationEntry[] = [];
  for (const creditGrade of CREDIT_GRADES) {
    for (const riskGrade of RISK_GRADES) {
      const members = s.population.filter((e) => e.creditGrade === creditGrade && e.riskGrade === riskGrade);
      const share = plan.shares[creditGrade]?.[riskGrade] ?? 0;
      const picked = pick(rng, members, classQuota(share, members.length));
      classes.push({ creditGrade, riskGrade, population: members.length, share, drawn: picked.length });
      drawn.push(...picked);
    }
  }
  // Who may not inspect whom, by entity; and the certified officers per set of items, in id order
  // (the same lists the rule below defines, computed once instead of per target).
  const blocked = new Map<string, Set<string>>();
  for (const c of s.conflicts) blocked.set(c.creditCode, (blocked.get(c.creditCode) ?? new Set()).add(c.inspectorId));
  const pool = [...plan.items].sort(byText);
  // A certificate must hold for the whole period: valid from its start and until its end.
  const certified = s.inspectors.filter((i) => i.validFrom <= plan.periodStart && i.validUntil >= plan.periodEnd);
  const byItems = new Map<string, RosterEntry[]>();
  const qualified = (items: string[]) => {
    const key = items.join(';');
    let list = byItems.get(key);
    if (!list) byItems.set(key, (list = certified.filter((i) => i.items.some((it) => items.includes(it)))));
    return list;
  };
  const targets: DrawnTarget[] = [];
  const unstaffed: string[] = [];
  for (const e of drawn) {
    const items = plan.itemsPerTarget ? pick(rng, pool, plan.itemsPerTarget).sort(byText) : pool;
    const no = blocked.get(e.creditCode);
    const eligible = no ? qualified(items).filter((i) => !no.has(i.id)) : qualified(items);
    if (eligible.length < plan.inspectorsPerTarget) {
      unstaffed.push(e.creditCode);
      continue;
    }
    const inspectorIds = pick(rng, eligible, plan.inspectorsPerTarget).map((i) => i.id).sort(byText);
    targets.push({ ordinal: targets.length + 1, creditCode: e.creditCode, creditGrade: e.creditGrade, riskGrade: e.riskGrade, items, inspectorIds });
  }
  return { targets, classes, unstaffed, resultHash: resultHashOf(targets, unstaffed) };
}

/** SHA-256 of the result's canonical lines: `<ordinal>\t<credit code>\t<items ;>\t<inspectors ;>`, then `unstaffed\t<codes ;>`. */
export function resultHashOf(targets: Array<Omit<DrawnTarget, 'creditGrade' | 'riskGrade'>>, unstaffed: string[]): string {
  const h = createHash('sha256');
  for (const t of targets) h.update(`${t.ordinal}\t${t.creditCode}\t${t.items.join(';')}\t${t.inspectorIds.join(';')}\n`);
  h.update(`unstaffed\t${unstaffed.join(';')}\n`);
  return h.digest('hex');
}

// ── The snapshot document ─────────────────────────────────────────────────────────────────────

/** The canonical text of a snapshot: sorted, one line per row, tab-separated (docs/random-inspections.md). */
export function snapshotText(s: Snapshot): string {
  const population = [...s.population].sort((a, b) => byText(a.creditCode, b.creditCode));
  const inspectors = [...s.inspectors].sort((a, b) => byText(a.id, b.id));
  const conflicts = s.conflicts.map((c) => `${c.inspectorId}\t${c.creditCode}`).sort(byText);
  const lines = [ALGORITHM, `seed ${s.seed}`, `plan ${canonicalJson(s.plan)}`, `population ${population.length}`];
  for (const e of population) lines.push(`${e.creditCode}\t${e.creditGrade}\t${e.riskGrade}`);
  lines.push(`inspectors ${inspectors.length}`);
  for (const i of inspectors) lines.push(`${i.id}\t${i.validFrom}\t${i.validUntil}\t${[...i.items].sort(byText).join(';')}`);
  lines.push(`conflicts ${conflicts.length}`, ...conflicts);
  return `${lines.join('\n')}\n`;
}

export class SnapshotError extends Error {}

/** The snapshot a document holds; throws SnapshotError naming the line when it is not canonical. */
export function parseSnapshot(text: string): Snapshot {
  const lines = text.split('\n');
  let at = 0;
  const fail = (why: string): never => {
    throw new SnapshotError(`snapshot line ${at + 1}: ${why}`);
  };
  const line = () => lines[at] ?? fail('the document ends early');
  const header = (name: string): string => {
    const l = line();
    if (!l.startsWith(`${name} `)) fail(`expected "${name} …"`);
    at++;
    return l.slice(name.length + 1);
  };
  const count = (name: string) => {
    const v = header(name);
    if (!/^\d+$/.test(v)) fail(`${name}: not a count`);
    return Number(v);
  };
  if (line() !== ALGORITHM) fail(`the algorithm is ${line()}, this verifier runs ${ALGORITHM}`);
  at++;
  const seed = header('seed');
  let plan: PlanContent;
  try {
    plan = JSON.parse(header('plan')) as PlanContent;
  } catch {
    return fail('the plan is not JSON');
  }
  const rows = (name: string, columns: number): string[][] => {
    const n = count(name);
    const out: string[][] = [];
    for (let i = 0; i < n; i++, at++) {
      const cells = line().split('\t');
      if (cells.length !== columns) fail(`${name}: ${cells.length} cells, expected ${columns}`);
      const key = cells.slice(0, name === 'conflicts' ? 2 : 1).join('\t');
      const prev = out[i - 1]?.slice(0, name === 'conflicts' ? 2 : 1).join('\t');
      if (prev !== undefined && !(prev < key)) fail(`${name} are not in ascending order, or repeat`);
      out.push(cells);
    }
    return out;
  };
  const population = rows('population', 3).map(([creditCode, creditGrade, riskGrade]) => {
    if (!(CREDIT_GRADES as readonly string[]).includes(creditGrade!) || !(RISK_GRADES as readonly string[]).includes(riskGrade!)) fail(`unknown grade ${creditGrade}/${riskGrade}`);
    return { creditCode: creditCode!, creditGrade: creditGrade as CreditGrade, riskGrade: riskGrade as RiskGrade };
  });
  const inspectors = rows('inspectors', 4).map(([id, validFrom, validUntil, items]) => ({ id: id!, validFrom: validFrom!, validUntil: validUntil!, items: items ? items.split(';') : [] }));
  const conflicts = rows('conflicts', 2).map(([inspectorId, creditCode]) => ({ inspectorId: inspectorId!, creditCode: creditCode! }));
  if (at !== lines.length - 1 || lines[at] !== '') fail('text after the conflicts');
  return { seed, plan, population, inspectors, conflicts };
}

export interface Verification {
  verified: boolean;
  snapshotHash: string;
  resultHash: string | null;
  problems: string[];
}

/**
 * Re-runs a recorded draw: the document's hash must be the recorded one, the document must be
 * canonical, its seed the recorded seed, and its draw the recorded result.
 */
export function verifyDraw(recorded: { snapshot: string; snapshotHash: string; seed: string; resultHash: string | null }): Verification {
  const snapshotHash = sha256hex(recorded.snapshot);
  const problems: string[] = [];
  if (snapshotHash !== recorded.snapshotHash) problems.push(`the snapshot's sha-256 is ${snapshotHash}, the draw recorded ${recorded.snapshotHash}: the snapshot was changed`);
  let resultHash: string | null = null;
  try {
    const s = parseSnapshot(recorded.snapshot);
    if (s.seed !== recorded.seed) problems.push(`the snapshot's seed ${s.seed} is not the recorded seed ${recorded.seed}`);
    resultHash = draw(s).resultHash;
    if (resultHash !== recorded.resultHash) problems.push(`the re-run's result hash is ${resultHash}, the draw recorded ${recorded.resultHash ?? '(none)'}`);
  } catch (err) {
    if (!(err instanceof SnapshotError) && !(err instanceof Error && /seed/.test(err.message))) throw err;
    problems.push(err.message);
  }
  return { verified: problems.length === 0, snapshotHash, resultHash, problems };
}
