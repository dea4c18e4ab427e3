import { spawnSync } from 'node:child_process'
import { getHeapStatistics } from 'node:v8'
import type { Command } from 'commander'
import { BENCHES, benchNames, runBenches } from '../bench/runBenches.js'

/** The risk benchmark keeps a year of history of 100,000 customers in memory: several GB. */
const RISK_HEAP_MB = 16_384
const REEXEC_MARK = 'MAMORI_BENCH_REEXEC'

/** `mamori bench [ledger|login|risk|scan|all...] --json FILE`: every benchmark in one report. */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(`run benchmarks (${BENCHES.join(', ')} or all) and print each figure next to its target`)
    .argument('[names...]', `${BENCHES.join(' | ')} | all (default all)`)
    .option('--json <file>', 'also write the machine, the parameters and every figure as JSON')
    .action(async (names: string[], o: { json?: string }) => {
      let wanted: string[]
      try {
        wanted = benchNames(names)
      } catch (err) {
        console.error((err as Error).message)
        process.exitCode = 2
        return
      }
      // Too small a heap for the risk benchmark: run again in a process with a large one.
      if (wanted.includes('risk') && process.env[REEXEC_MARK] === undefined && getHeapStatistics().heap_size_limit < (RISK_HEAP_MB / 2) * 1024 * 1024) {
        const script = process.argv[1]
        if (script !== undefined) {
          const r = spawnSync(process.execPath, [...process.execArgv, `--max-old-space-size=${RISK_HEAP_MB}`, script, ...process.argv.slice(2)], {
            stdio: 'inherit',
            env: { ...process.env, [REEXEC_MARK]: '1' },
          })
          process.exitCode = r.status ?? 1
          return
        }
      }
      await runBenches({ names: wanted, ...(o.json === undefined ? {} : { jsonFile: o.json }) })
    })
}
