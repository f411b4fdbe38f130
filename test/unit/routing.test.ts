import { describe, expect, it } from 'vitest';
import { decideRoute } from '../../workflows/domain/routing.js';
import { monthsPeriodEnd } from '../../workflows/domain/deadlines.js';

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

  it('refuses commitment to an applicant under joint punishment (联合惩戒), naming the measure and its end', () => {
    const measure = { measureCode: 'LYG-CJ-001', name: '限制适用告知承诺制审批', decisionNo: '连信惩〔2026〕1号', endsAt: '2029-12-03T16:00:00.000Z' };
    expect(decideRoute('commitment', { ...good, jointPunishments: [measure] }, allows)).toEqual({
      route: 'standard',
      reason: 'standard route: the applicant is under joint punishment (联合惩戒): 限制适用告知承诺制审批 (measure LYG-CJ-001, decision 连信惩〔2026〕1号, until 2029-12-03 24:00)',
    });
    expect(decideRoute('commitment', { ...good, jointPunishments: [] }, allows).route).toBe('commitment');
  });
});

describe('the end of a joint-punishment period', () => {
  it("is 24:00 Asia/Shanghai of the corresponding day, or the month's last day", () => {
    expect(monthsPeriodEnd(new Date('2026-01-31T02:00:00Z'), 1).toISOString()).toBe('2026-02-28T16:00:00.000Z');
    // 23:30 UTC on Dec 3 is Dec 4 in Shanghai: the period counts from Dec 4.
    expect(monthsPeriodEnd(new Date('2026-12-03T23:30:00Z'), 36).toISOString()).toBe('2029-12-04T16:00:00.000Z');
  });
});
