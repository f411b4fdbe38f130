// Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a 31-symbol
// alphabet (no I, O, S, V, Z); the 18th is a check character over the first 17 with weights
// 3^(i-1) mod 31.

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export type CreditCodeCheck = { ok: true } | { ok: false; reason: string };

/** The check character the first 17 characters call for. */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return ALPHABET[(31 - (sum % 31)) % 31]!;
}

export function checkCreditCode(code: string): CreditCodeCheck {
  if (code.length !== 18) return { ok: false, reason: `must be 18 characters, got ${code.length}` };
  for (let i = 0; i < 18; i++) {
    if (!ALPHABET.includes(code[i]!)) {
      return { ok: false, reason: `character ${i + 1} ('${code[i]}') is not allowed: use 0-9 and capital letters except I, O, S, V, Z` };
    }
  }
  if (!/^[0-9]{6}$/.test(code.slice(2, 8))) {
    return { ok: false, reason: 'characters 3-8 must be the 6-digit administrative division code' };
  }
  const expected = creditCodeCheckChar(code.slice(0, 17));
  if (code[17] !== expected) {
    return { ok: false, reason: `check digit is '${code[17]}', GB 32100-2015 requires '${expected}'` };
  }
  return { ok: true };
}
