/** A one-line progress bar on stderr (redrawn on a terminal, a line per 10% otherwise). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): (done: number, total: number) => void {
  let lastDecile = -1
  return (done: number, total: number): void => {
    const ratio = total === 0 ? 1 : Math.min(1, done / total)
    if (stream.isTTY) {
      const width = 30
      const filled = Math.round(ratio * width)
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0)}%`)
      if (ratio >= 1) stream.write('\n')
      return
    }
    const decile = Math.floor(ratio * 10)
    if (decile !== lastDecile) {
      lastDecile = decile
      stream.write(`${label}: ${decile * 10}%\n`)
    }
  }
}
