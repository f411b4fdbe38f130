// The draw's algorithm (sg-draw-v1, docs/random-inspections.md) over a directory of 10,000
// entities: a known seed gives a known selection (its digest pinned here, so any change to the
// PRNG, the order or the rules shows), each class drawn within the binomial bounds of the plan's
// share, no target with fewer than two inspectors, one in conflict or one whose certificate does
// not cover the period; and a snapshot that was edited fails verification.
import { describe, expect, it } from 'vitest';
import { draw, verifyDraw } from '../../activities/draw/algorithm.js';
import { HashStream, sha256hex } from '../../activities/draw/prng.js';
import { parseSnapshot, snapshotText } from '../../activities/draw/snapshot.js';
import { CREDIT_GRADES, RISK_GRADES, canonicalJson, contentHashOf, deriveSeed, type PlanContent, type Snapshot } from '../../activities/draw/terms.js';
import { checkCreditCode } from '../../workflows/domain/credit-code.js';
import { directorySnapshot, testCreditCode } from '../draw-fixture.js';

const plan: PlanContent = {
  planId: 'LYG-SJJ-2026-SJ-01',
  regionCode: '320700',
  departments: ['LYG-SJJ', 'LYG-WJW'],
  items: ['SJ-FOOD-01', 'SJ-FOOD-02', 'WJ-GGWS-01'],
  itemsPerTarget: 2,
  filter: {},
  shares: { A: { low: 0, medium: 0.02, high: 0.05 }, B: { low: 0.03, medium: 0.05, high: 0.1 }, C: { low: 0.1, medium: 0.15, high: 0.2 }, D: { low: 0.2, medium: 0.3, high: 0.5 } },
  inspectorsPerTarget: 2,
  periodStart: '2026-12-07',
  periodEnd: '2026-12-31',
  publicationDays: 20,
};
const seed = deriveSeed(contentHashOf(plan), '2026-12-03 福彩3D 第2026325期 开奖号码 4 7 1');
const snapshot: Snapshot = directorySnapshot(plan, seed, 10_000);

describe('the draw of sg-draw-v1', () => {
  const text = snapshotText(snapshot);
  const result = draw(parseSnapshot(text));

  it('is pinned: a known seed over a known directory gives a known selection', () => {
    expect(snapshot.population.every((e) => checkCreditCode(e.creditCode).ok)).toBe(true);
    expect(seed).toBe(sha256hex(`sg-draw-v1\n${contentHashOf(plan)}\n2026-12-03 福彩3D 第2026325期 开奖号码 4 7 1`));
    expect(new HashStream('00'.repeat(32)).next32()).toBe(parseInt(sha256hex(Buffer.alloc(40)).slice(0, 8), 16));
    expect({ targets: result.targets.length, unstaffed: result.unstaffed.length, first: result.targets[0]!.creditCode }).toEqual(PINNED.summary);
    expect(result.resultHash).toBe(PINNED.resultHash);
    expect(sha256hex(text)).toBe(PINNED.snapshotHash);
  });

  it('gives the same result again, and another for another seed', () => {
    expect(draw(parseSnapshot(text)).resultHash).toBe(result.resultHash);
    expect(draw({ ...snapshot, seed: deriveSeed(contentHashOf(plan), 'another value') }).resultHash).not.toBe(result.resultHash);
  });

  it('draws each class within the binomial bounds of its share', () => {
    for (const c of result.classes) {
      const expected = c.share * c.population;
      const bound = 3 * Math.sqrt(c.population * c.share * (1 - c.share)) + 1;
      expect(Math.abs(c.drawn - expected), `${c.creditGrade}/${c.riskGrade}: ${c.drawn} of ${c.population} at ${c.share}`).toBeLessThanOrEqual(bound);
    }
    // A-grade low risk is exempt; D-grade high risk is drawn hardest.
    expect(result.classes.find((c) => c.creditGrade === 'A' && c.riskGrade === 'low')).toMatchObject({ drawn: 0 });
    const rate = (g: string, r: string) => { const c = result.classes.find((x) => x.creditGrade === g && x.riskGrade === r)!; return c.drawn / c.population; };
    expect(rate('D', 'high')).toBeGreaterThan(rate('B', 'medium'));
    expect(result.classes).toHaveLength(CREDIT_GRADES.length * RISK_GRADES.length);
    // Every drawn entity is a target or named as unstaffed: none is dropped silently.
    expect(result.targets.length + result.unstaffed.length).toBe(result.classes.reduce((n, c) => n + c.drawn, 0));
  });

  it('gives no target fewer than two inspectors, none in conflict, none uncertified for the period, each able to inspect an item drawn', () => {
    const roster = new Map(snapshot.inspectors.map((i) => [i.id, i]));
    const conflicts = new Set(snapshot.conflicts.map((c) => `${c.inspectorId}\t${c.creditCode}`));
    expect(snapshot.conflicts.length).toBeGreaterThan(100);
    for (const t of result.targets) {
      expect(new Set(t.inspectorIds).size).toBe(2);
      expect(t.items).toHaveLength(2);
      for (const id of t.inspectorIds) {
        const i = roster.get(id)!;
        expect(conflicts.has(`${id}\t${t.creditCode}`)).toBe(false);
        expect(i.validFrom <= plan.periodStart && i.validUntil >= plan.periodEnd, `${id} certified ${i.validFrom}–${i.validUntil}`).toBe(true);
        expect(i.items.some((x) => t.items.includes(x))).toBe(true);
      }
    }
    // The roster's expired and not-yet-valid officers are never drawn.
    const drawn = new Set(result.targets.flatMap((t) => t.inspectorIds));
    expect(drawn.has('LYG-SJJ-E01')).toBe(false);
    expect(drawn.has('LYG-SJJ-F01')).toBe(false);
  });

  it('verifies the recorded draw, and fails on an edited snapshot, whether or not its hash was edited too', () => {
    const recorded = { snapshot: text, snapshotHash: sha256hex(text), seed, resultHash: result.resultHash };
    expect(verifyDraw(recorded)).toMatchObject({ verified: true, problems: [] });
    // One drawn entity regraded from its class to A: the draw would not have picked it.
    const victim = result.targets[0]!;
    const edited = text.replace(`${victim.creditCode}\t${victim.creditGrade}\t${victim.riskGrade}`, `${victim.creditCode}\tA\tlow`);
    expect(edited).not.toBe(text);
    const v = verifyDraw({ ...recorded, snapshot: edited });
    expect(v.verified).toBe(false);
    expect(v.problems[0]).toMatch(/the snapshot was changed/);
    const rehashed = verifyDraw({ ...recorded, snapshot: edited, snapshotHash: sha256hex(edited) });
    expect(rehashed.verified).toBe(false);
    expect(rehashed.problems.join()).toMatch(/result hash/);
    // Rows out of order are not the canonical document.
    const lines = text.split('\n');
    [lines[5], lines[6]] = [lines[6]!, lines[5]!];
    expect(verifyDraw({ ...recorded, snapshot: lines.join('\n'), snapshotHash: sha256hex(lines.join('\n')) }).problems.join()).toMatch(/ascending order/);
    expect(verifyDraw({ ...recorded, seed: deriveSeed('x', 'y') }).problems.join()).toMatch(/not the recorded seed/);
  });

  it('names a drawn entity without two eligible inspectors as unstaffed, never a target with one', () => {
    const thin: Snapshot = { ...snapshot, population: snapshot.population.slice(0, 500), inspectors: snapshot.inspectors.filter((i) => i.id === 'LYG-SJJ-01' || i.id.startsWith('LYG-WJW')) };
    const r = draw(parseSnapshot(snapshotText(thin)));
    expect(r.unstaffed.length).toBeGreaterThan(0);
    for (const t of r.targets) expect(t.inspectorIds).toHaveLength(2);
    expect(r.targets.length + r.unstaffed.length).toBe(r.classes.reduce((n, c) => n + c.drawn, 0));
  });

  it('writes canonical JSON whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }] })).toBe('{"a":[{"c":"x","d":2}],"b":1}');
    expect(contentHashOf({ ...plan })).toBe(contentHashOf(Object.fromEntries(Object.entries(plan).reverse()) as unknown as PlanContent));
    expect(testCreditCode(0)).not.toBe(testCreditCode(1));
  });
});

const PINNED = {
  summary: { targets: 925, unstaffed: 0, first: '913207000000006395' },
  resultHash: '536a99de903c4b2e7173cb86be7ca11d1dfdfcbb97bd50eb75da8f2577487bb4',
  snapshotHash: 'ad93ba9f87b5a2cdf3b4060a055ac67c9e6610cde80beab1d7d27451de6948d3',
};
