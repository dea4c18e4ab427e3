export { systemClock, ManualClock } from './clock.js'
export type { Clock } from './clock.js'
export { cryptoRandom, SeededRandom, newId } from './random.js'
export type { Random } from './random.js'
