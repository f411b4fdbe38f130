// The snapshot document of a draw (docs/random-inspections.md): its canonical text — sorted, one
// line per row, tab-separated — and its parse, which refuses any text that is not canonical, so
// that a document's sha-256 names exactly one snapshot.
import { ALGORITHM, CREDIT_GRADES, RISK_GRADES, byText, canonicalJson, type CreditGrade, type PlanContent, type RiskGrade, type Snapshot } from './terms.js';

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
