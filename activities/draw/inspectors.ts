// The inspector choice of `sg-draw-v1`, per drawn target in draw order: its items (三随机) when
// the plan draws a number of them, then its inspectors among the officers certified for those
// items over the whole period and not in conflict with the entity. A target without enough
// eligible officers is named unstaffed, never given fewer.
import { pick, type HashStream } from './prng.js';
import { byText, type DrawnTarget, type PopulationEntry, type RosterEntry, type Snapshot } from './terms.js';

/** The officers who may inspect an entity for a set of items, in the snapshot's order. */
function eligibility(s: Snapshot): (creditCode: string, items: string[]) => RosterEntry[] {
  const plan = s.plan;
  // Who may not inspect whom, by entity; and the certified officers per set of items, in id order
  // (the same lists the rule defines, computed once instead of per target).
  const blocked = new Map<string, Set<string>>();
  for (const c of s.conflicts) blocked.set(c.creditCode, (blocked.get(c.creditCode) ?? new Set()).add(c.inspectorId));
  // A certificate must hold for the whole period: valid from its start and until its end.
  const certified = s.inspectors.filter((i) => i.validFrom <= plan.periodStart && i.validUntil >= plan.periodEnd);
  const byItems = new Map<string, RosterEntry[]>();
  const qualified = (items: string[]) => {
    const key = items.join(';');
    let list = byItems.get(key);
    if (!list) byItems.set(key, (list = certified.filter((i) => i.items.some((it) => items.includes(it)))));
    return list;
  };
  return (creditCode, items) => {
    const no = blocked.get(creditCode);
    return no ? qualified(items).filter((i) => !no.has(i.id)) : qualified(items);
  };
}

/** Items and inspectors for each drawn entity, from the same stream as the classes' draw. */
export function staffTargets(rng: HashStream, s: Snapshot, drawn: PopulationEntry[]): { targets: DrawnTarget[]; unstaffed: string[] } {
  const plan = s.plan;
  const pool = [...plan.items].sort(byText);
  const eligible = eligibility(s);
  const targets: DrawnTarget[] = [];
  const unstaffed: string[] = [];
  for (const e of drawn) {
    const items = plan.itemsPerTarget ? pick(rng, pool, plan.itemsPerTarget).sort(byText) : pool;
    const officers = eligible(e.creditCode, items);
    if (officers.length < plan.inspectorsPerTarget) {
      unstaffed.push(e.creditCode);
      continue;
    }
    const inspectorIds = pick(rng, officers, plan.inspectorsPerTarget).map((i) => i.id).sort(byText);
    targets.push({ ordinal: targets.length + 1, creditCode: e.creditCode, creditGrade: e.creditGrade, riskGrade: e.riskGrade, items, inspectorIds });
  }
  return { targets, unstaffed };
}
