import { describe, expect, it } from 'vitest';
import { checkCreditCode, creditCodeCheckChar } from '../../workflows/domain/credit-code.js';

describe('unified social credit code (GB 32100-2015)', () => {
  // The worked example that circulates with the standard.
  it('accepts a valid code', () => {
    expect(checkCreditCode('91350100M000100Y43')).toEqual({ ok: true });
  });

  it('names the expected check character when it is wrong', () => {
    const r = checkCreditCode('91350100M000100Y44');
    expect(r).toEqual({ ok: false, reason: "check digit is '4', GB 32100-2015 requires '3'" });
  });

  it('refuses the letters the standard leaves out, the wrong length and a non-numeric region', () => {
    expect(checkCreditCode('91350100M000100I43')).toMatchObject({ ok: false, reason: expect.stringMatching(/character 16/) });
    expect(checkCreditCode('91350100M000100Y4')).toMatchObject({ ok: false, reason: 'must be 18 characters, got 17' });
    expect(checkCreditCode('91A50100M000100Y43')).toMatchObject({ ok: false, reason: expect.stringMatching(/administrative division/) });
  });

  it('catches every single-character substitution', () => {
    const good = '91350100M000100Y43';
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    for (let i = 0; i < 17; i++) {
      for (const c of alphabet) {
        if (c === good[i] || (i >= 2 && i < 8 && !/\d/.test(c))) continue;
        const mutated = good.slice(0, i) + c + good.slice(i + 1);
        expect(checkCreditCode(mutated).ok, mutated).toBe(false);
      }
    }
    expect(creditCodeCheckChar(good.slice(0, 17))).toBe('3');
  });
});
