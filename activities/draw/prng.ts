// The PRNG of `sg-draw-v1`: SHA-256 in counter mode over the seed, and the partial Fisher–Yates
// shuffle every choice of the draw (targets, items, inspectors) is made with. Pure but for
// node:crypto's SHA-256.
import { createHash } from 'node:crypto';

export const sha256hex = (text: string | Uint8Array): string => createHash('sha256').update(text).digest('hex');

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
export function pick<T>(rng: HashStream, list: readonly T[], k: number): T[] {
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
