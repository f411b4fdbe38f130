import { describe, expect, it } from 'vitest';
import { decideRoute } from '../../workflows/domain/routing.js';

const good = { grade: 'A' as const, blacklisted: false, brokenCommitments: 0 };
const allows = { commitmentAllowed: true };

describe('credit-based routing', () => {
  it('opens commitment approval only to applicants in good standing on items that allow it', () => {
    expect(decideRoute('auto', good, allows).route).toBe('commitment');
    expect(decideRoute('commitment', { ...good, grade: 'B' }, allows).route).toBe('commitment');
  });

  it('says why it routes to the standard route', () => {
    expect(decideRoute('auto', good, { commitmentAllowed: false })).toEqual({ route: 'standard', reason: 'standard route: the item does not allow commitment approval (告知承诺)' });
    expect(decideRoute('auto', { ...good, blacklisted: true }, allows).reason).toMatch(/dishonesty list/);
    expect(decideRoute('commitment', { ...good, brokenCommitments: 2 }, allows).reason).toMatch(/2 broken commitment/);
    expect(decideRoute('auto', { ...good, grade: 'C' }, allows).reason).toMatch(/grade C is below the required B/);
    expect(decideRoute('standard', good, allows)).toEqual({ route: 'standard', reason: 'standard route requested' });
  });
});
