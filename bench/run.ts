/**
 * `npm run bench -- <name...|all> [--json FILE]`: the same as `mamori bench` (src/bench/runBenches.ts),
 * run with a large heap (the risk benchmark holds a year of history for 100,000 customers).
 */
import { runBenches } from '../src/bench/runBenches.js'

const args = process.argv.slice(2)
const jsonAt = args.indexOf('--json')
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined
const names = args.filter((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1))
try {
  await runBenches({ names, ...(jsonFile === undefined ? {} : { jsonFile }) })
} catch (err) {
  if (err instanceof RangeError) {
    console.error(err.message)
    process.exit(2)
  }
  throw err
}
