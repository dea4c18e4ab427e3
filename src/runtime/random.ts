import { randomBytes, randomInt } from 'node:crypto'

/**
 * Randomness is injected so identifiers, codes and the simulator can be reproduced in tests;
 * production uses the operating system's CSPRNG.
 */
export interface Random {
  bytes(n: number): Buffer
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number
}

export const cryptoRandom: Random = Object.freeze({
  bytes: (n: number): Buffer => randomBytes(n),
  int: (maxExclusive: number): number => randomInt(maxExclusive),
})

/**
 * A seeded, non-cryptographic generator (mulberry32 over a 32-bit state). Only for
 * simulations, demo data and tests — never for secrets.
 */
export class SeededRandom implements Random {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive <= 0) throw new TypeError('maxExclusive must be > 0')
    return Math.floor(this.next() * maxExclusive)
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n)
    for (let i = 0; i < n; i++) out[i] = this.int(256)
    return out
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new TypeError('pick from an empty list')
    return items[this.int(items.length)] as T
  }
}

/** A random identifier with a readable prefix and 128 bits of entropy, e.g. `wd_3f9a...`. */
export function newId(random: Random, prefix: string): string {
  return `${prefix}_${random.bytes(16).toString('hex')}`
}
