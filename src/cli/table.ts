/** Renders rows as an aligned plain-text table for people reading a terminal. */
export function renderTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers.map(String), ...rows.map((r) => r.map(String))]
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => displayWidth(r[i] ?? ''))))
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (typeof rows[0]?.[i] === 'number' ? padStart(c, widths[i]!) : padEnd(c, widths[i]!))).join('  ')
  const sep = widths.map((w) => '-'.repeat(w)).join('  ')
  return [line(cells[0]!), sep, ...cells.slice(1).map(line)].join('\n')
}

/** East Asian wide characters take two terminal columns. */
function displayWidth(s: string): number {
  let w = 0
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1
  return w
}
const padEnd = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - displayWidth(s)))
const padStart = (s: string, w: number): string => ' '.repeat(Math.max(0, w - displayWidth(s))) + s
