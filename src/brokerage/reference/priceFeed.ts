import type { InstrumentSpec, InstrumentSegment } from './instrumentCatalog.js'

/**
 * Largest relative swing per segment. The thin segments move more, as the stocks seed 003's
 * attackers pumped did; all stay well inside the ±50% clamp.
 */
const VOLATILITY: Readonly<Record<InstrumentSegment, number>> = Object.freeze({
  domestic_large: 0.08,
  domestic_small: 0.2,
  foreign_small: 0.32,
})

/**
 * Three waves (multi-day, intraday, tens of minutes) and per-minute noise, as shares of the
 * segment's volatility summing to 1, so |deviation| <= volatility. Periods in minutes.
 */
const WAVES: readonly { weight: number; minPeriod: number; maxPeriod: number }[] = [
  { weight: 0.5, minPeriod: 2 * 1_440, maxPeriod: 10 * 1_440 },
  { weight: 0.3, minPeriod: 180, maxPeriod: 1_440 },
  { weight: 0.15, minPeriod: 20, maxPeriod: 180 },
]
const NOISE_WEIGHT = 0.05

const MINUTE_MS = 60_000
const TWO_POW_32 = 4_294_967_296
const TAU = 2 * Math.PI

interface Track {
  readonly basePrice: number
  readonly floor: number
  readonly ceiling: number
  readonly volatility: number
  readonly key: number
  readonly waves: readonly { readonly weight: number; readonly period: number; readonly phase: number }[]
}

/**
 * A simulated market price: a pure function of (seed, symbol, minute), with no state and no
 * history walk, so every API node, the simulator and a replay agree on the price at any instant.
 * Each symbol wanders around its base price as a sum of sinusoids with hashed periods and phases
 * plus hashed per-minute noise; it is an integer in [max(1, ⌈base/2⌉), ⌊base × 1.5⌋].
 */
export class PriceFeed {
  readonly #tracks: ReadonlyMap<string, Track>
  readonly #seedLo: number
  readonly #seedHi: number

  constructor(seed: number, instruments: readonly InstrumentSpec[]) {
    if (!Number.isSafeInteger(seed)) throw new TypeError('seed must be a safe integer')
    this.#seedLo = seed >>> 0
    this.#seedHi = Math.floor(seed / TWO_POW_32) >>> 0
    const tracks = new Map<string, Track>()
    for (const spec of instruments) {
      if (tracks.has(spec.symbol)) throw new TypeError(`duplicate instrument symbol ${JSON.stringify(spec.symbol)}`)
      if (!Number.isSafeInteger(spec.basePrice) || spec.basePrice < 1) {
        throw new TypeError(`basePrice of ${JSON.stringify(spec.symbol)} must be a positive integer`)
      }
      const key = fmix32(mixIn(mixIn(hashString(spec.symbol), this.#seedLo), this.#seedHi))
      tracks.set(spec.symbol, {
        basePrice: spec.basePrice,
        floor: Math.max(1, Math.ceil(spec.basePrice / 2)),
        ceiling: Math.floor(spec.basePrice * 1.5),
        volatility: VOLATILITY[spec.segment],
        key,
        waves: WAVES.map((w, i) => ({
          weight: w.weight,
          period: w.minPeriod + unit(fmix32(mixIn(key, 2 * i + 1))) * (w.maxPeriod - w.minPeriod),
          phase: TAU * unit(fmix32(mixIn(key, 2 * i + 2))),
        })),
      })
    }
    this.#tracks = tracks
  }

  /** Whether the feed prices `symbol`. */
  has(symbol: string): boolean {
    return this.#tracks.has(symbol)
  }

  /**
   * Integer JPY per share of `symbol` during the minute containing `atMs`. Throws `TypeError` for
   * a symbol the feed does not know (callers check {@link has} first) or a non-finite time.
   */
  priceAt(symbol: string, atMs: number): number {
    const track = this.#tracks.get(symbol)
    if (track === undefined) throw new TypeError(`unknown instrument symbol ${JSON.stringify(symbol)}`)
    if (!Number.isFinite(atMs)) throw new TypeError('atMs must be a finite number')
    const minute = Math.floor(atMs / MINUTE_MS)
    let deviation = 0
    for (const wave of track.waves) deviation += wave.weight * Math.sin((TAU * minute) / wave.period + wave.phase)
    // ToUint32 takes the minute modulo 2^32; the high word keeps minutes 2^32 apart distinct.
    const noise = unit(fmix32(mixIn(mixIn(track.key, minute >>> 0), Math.floor(minute / TWO_POW_32) >>> 0)))
    deviation += NOISE_WEIGHT * (2 * noise - 1)
    const price = Math.round(track.basePrice * (1 + track.volatility * deviation))
    return Math.min(track.ceiling, Math.max(track.floor, price))
  }
}

/** MurmurHash3 body step: folds the 32-bit word `k` into the running hash `h`. */
function mixIn(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51)
  k = (k << 15) | (k >>> 17)
  k = Math.imul(k, 0x1b873593)
  h ^= k
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + 0xe6546b64) | 0
}

/** MurmurHash3 finalizer: full avalanche of a 32-bit value. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

function hashString(s: string): number {
  let h = 0x9747b28c
  for (let i = 0; i < s.length; i++) h = mixIn(h, s.charCodeAt(i))
  return fmix32(h ^ s.length)
}

/** A 32-bit hash as a number in [0, 1). */
function unit(h: number): number {
  return h / TWO_POW_32
}
