import { cpus, totalmem, platform, release } from 'node:os'
import { renderTable } from '../cli/table.js'

/** One measured figure, with the target it is judged against when there is one. */
export interface Figure {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly target?: string
  /** Whether the value meets the target; undefined when there is no target. */
  readonly met?: boolean
}

export interface BenchSection {
  readonly bench: string
  readonly parameters: Readonly<Record<string, string | number>>
  readonly figures: readonly Figure[]
  readonly notes?: readonly string[]
}

/** The machine a report was measured on. */
export function machineInfo(): Record<string, string | number> {
  const cpu = cpus()
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  }
}

/** A section as a table for a person to read. */
export function renderSection(s: BenchSection): string {
  const params = Object.entries(s.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  const rows = s.figures.map((f) => [
    f.name,
    formatNumber(f.value),
    f.unit,
    f.target ?? '',
    f.met === undefined ? '' : f.met ? 'met' : 'NOT MET',
  ])
  const notes = (s.notes ?? []).map((n) => `  note: ${n}`).join('\n')
  return `\n${s.bench} (${params})\n${renderTable(['figure', 'value', 'unit', 'target', ''], rows)}${notes === '' ? '' : `\n${notes}`}`
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US')
  return v.toFixed(2)
}

/** The q-quantile (0..1) of a list of numbers, by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}
