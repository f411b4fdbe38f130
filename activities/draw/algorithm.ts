// The draw of 双随机 (issue #27), `sg-draw-v1`, exactly as docs/random-inspections.md states it,
// so that anyone can re-run a draw from its snapshot document alone: the document carries the
// seed, the plan's content, the population, the roster and the conflicts in canonical text; the
// PRNG is SHA-256 in counter mode over the seed; targets are drawn per class (credit × risk) by
// a partial Fisher–Yates shuffle of the class in credit-code order, then items (三随机) and
// inspectors per target the same way. Pure but for node:crypto's SHA-256: the worker's activity,
// the verify activity and `npm run verify-draw` all run this one function. Its parts: the PRNG
// (prng.ts), the class draw (here), the inspector choice (inspectors.ts), the snapshot document
// (snapshot.ts), the plan, snapshot and result types with their hashes (terms.ts).
import { createHash } from 'node:crypto';
import { staffTargets } from './inspectors.js';
import { HashStream, pick, sha256hex } from './prng.js';
import { SnapshotError, parseSnapshot } from './snapshot.js';
import { CREDIT_GRADES, RISK_GRADES, type DrawResult, type DrawnTarget, type PopulationEntry, type Snapshot } from './terms.js';

/** The number a class's share calls for: ⌈share × population⌉, so a class with any share is never skipped. */
export const classQuota = (share: number, population: number): number => (share <= 0 ? 0 : Math.min(population, Math.ceil(Math.min(share, 1) * population - 1e-9)));

/** The class draw: each class (credit × risk, in grade order) in the snapshot's order, its quota by a partial shuffle. */
function drawClasses(rng: HashStream, s: Snapshot): { classes: DrawResult['classes']; drawn: PopulationEntry[] } {
  const classes: DrawResult['classes'] = [];
  const drawn: PopulationEntry[] = [];
  for (const creditGrade of CREDIT_GRADES) {
    for (const riskGrade of RISK_GRADES) {
      const members = s.population.filter((e) => e.creditGrade === creditGrade && e.riskGrade === riskGrade);
      const share = s.plan.shares[creditGrade]?.[riskGrade] ?? 0;
      const picked = pick(rng, members, classQuota(share, members.length));
      classes.push({ creditGrade, riskGrade, population: members.length, share, drawn: picked.length });
      drawn.push(...picked);
    }
  }
  return { classes, drawn };
}

/** The draw: one stream, the classes first, then each drawn target's items and inspectors. */
export function draw(s: Snapshot): DrawResult {
  const rng = new HashStream(s.seed);
  const { classes, drawn } = drawClasses(rng, s);
  const { targets, unstaffed } = staffTargets(rng, s, drawn);
  return { targets, classes, unstaffed, resultHash: resultHashOf(targets, unstaffed) };
}

/** SHA-256 of the result's canonical lines: `<ordinal>\t<credit code>\t<items ;>\t<inspectors ;>`, then `unstaffed\t<codes ;>`. */
export function resultHashOf(targets: Array<Omit<DrawnTarget, 'creditGrade' | 'riskGrade'>>, unstaffed: string[]): string {
  const h = createHash('sha256');
  for (const t of targets) h.update(`${t.ordinal}\t${t.creditCode}\t${t.items.join(';')}\t${t.inspectorIds.join(';')}\n`);
  h.update(`unstaffed\t${unstaffed.join(';')}\n`);
  return h.digest('hex');
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
