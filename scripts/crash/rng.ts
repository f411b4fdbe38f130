// A small seeded random number generator (mulberry32), so a crash-test run can be repeated:
// the same seed gives the same application numbers, credit codes and chaos schedule (the
// moments themselves still depend on how fast the machine runs).

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0 || 0x9e3779b9;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, between: (min, max) => min + next() * (max - min) };
}

/** A seed from a string or number argument; any text hashes to a 32-bit seed. */
export function parseSeed(text: string | undefined): number {
  if (text === undefined || text === '') return (Date.now() ^ (process.pid << 8)) >>> 0;
  if (/^\d+$/.test(text)) return Number(text) >>> 0;
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}
