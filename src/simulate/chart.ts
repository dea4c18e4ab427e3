import type { Scorecard } from './Scorecard.js'

const W = 1320
const H = 560
const PLOT = { left: 80, top: 60, width: 520, height: 400 }

/**
 * Friction against protection, one numbered point per scenario: across, the share of honest
 * customers' sessions that met a step-up while that attack ran; up, the share of targeted
 * accounts that lost nothing (no money out, no unauthorized trade executed). The target is the
 * top-left corner: everything protected at no more than 2% friction. A self-contained SVG.
 */
export function frictionProtectionSvg(card: Scorecard): string {
  const details = new Map(card.details.scenarios.map((d) => [d.id, d]))
  const points = card.scenarios.map((s, i) => {
    const d = details.get(s.id)
    const friction = d?.friction_during ?? card.legitimate.step_up_rate
    const protectedShare = s.accounts_targeted === 0 ? 1 : (d?.protected_accounts ?? 0) / s.accounts_targeted
    return { n: i + 1, s, friction, protectedShare, lost: s.money_lost_jpy + s.unauthorized_trades_jpy > 0 }
  })
  const maxFriction = Math.max(0.05, ...points.map((p) => p.friction)) * 1.1
  const x = (f: number): number => PLOT.left + (f / maxFriction) * PLOT.width
  const y = (p: number): number => PLOT.top + (1 - p) * PLOT.height
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`)
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`)
  out.push(
    `<text x="${PLOT.left}" y="28" font-size="16" font-weight="bold">Mamori simulation: friction against protection (seed ${card.parameters.seed}, ${card.parameters.customers} customers, ${card.parameters.days} days)</text>`,
  )
  // The target zone: protected at ≤ 2% friction.
  out.push(`<rect x="${x(0)}" y="${y(1) - 6}" width="${x(0.02) - x(0)}" height="12" fill="#d9f2d9" stroke="#5a5"/>`)
  out.push(`<text x="${x(0.02) + 4}" y="${y(1) + 4}" fill="#383">target</text>`)
  // Axes and grid.
  for (let i = 0; i <= 5; i++) {
    const p = i / 5
    out.push(`<line x1="${PLOT.left}" y1="${y(p)}" x2="${PLOT.left + PLOT.width}" y2="${y(p)}" stroke="#eee"/>`)
    out.push(`<text x="${PLOT.left - 8}" y="${y(p) + 4}" text-anchor="end">${Math.round(p * 100)}%</text>`)
    const f = (maxFriction * i) / 5
    out.push(`<line x1="${x(f)}" y1="${PLOT.top}" x2="${x(f)}" y2="${PLOT.top + PLOT.height}" stroke="#eee"/>`)
    out.push(`<text x="${x(f)}" y="${PLOT.top + PLOT.height + 18}" text-anchor="middle">${(f * 100).toFixed(1)}%</text>`)
  }
  out.push(`<line x1="${x(0.02)}" y1="${PLOT.top}" x2="${x(0.02)}" y2="${PLOT.top + PLOT.height}" stroke="#5a5" stroke-dasharray="4 3"/>`)
  out.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.width}" height="${PLOT.height}" fill="none" stroke="#333"/>`)
  out.push(
    `<text x="${PLOT.left + PLOT.width / 2}" y="${PLOT.top + PLOT.height + 40}" text-anchor="middle">honest customers’ step-up rate while the attack ran (friction)</text>`,
  )
  out.push(
    `<text transform="translate(24 ${PLOT.top + PLOT.height / 2}) rotate(-90)" text-anchor="middle">targeted accounts that lost nothing (protection)</text>`,
  )
  // Points, nudged right (then down) until none covers another; the legend gives the exact friction.
  const placed: [number, number][] = []
  for (const p of points) {
    let cx = x(p.friction)
    let cy = y(p.protectedShare)
    while (placed.some(([px, py]) => Math.hypot(px - cx, py - cy) < 16)) {
      cx += 16
      if (cx > PLOT.left + PLOT.width) {
        cx = x(p.friction)
        cy += 16
      }
    }
    placed.push([cx, cy])
    out.push(`<circle cx="${cx}" cy="${cy}" r="8" fill="${p.lost ? '#d33' : '#37a'}" fill-opacity="0.85"/>`)
    out.push(`<text x="${cx}" y="${cy + 4}" text-anchor="middle" fill="#fff" font-size="10">${p.n}</text>`)
  }
  // Legend: the scenarios by number, with their outcome.
  const lx = PLOT.left + PLOT.width + 30
  out.push(`<text x="${lx}" y="${PLOT.top}" font-weight="bold">scenarios</text>`)
  points.forEach((p, i) => {
    const ly = PLOT.top + 20 + i * 19
    const s = p.s
    const parts = [
      ...(s.money_lost_jpy > 0 ? [`¥${s.money_lost_jpy.toLocaleString('en-US')} lost`] : []),
      ...(s.unauthorized_trades_jpy > 0 ? [`¥${s.unauthorized_trades_jpy.toLocaleString('en-US')} traded by the attacker`] : []),
    ]
    const outcome = parts.length === 0 ? 'nothing lost' : parts.join(', ')
    out.push(`<circle cx="${lx + 7}" cy="${ly - 4}" r="7" fill="${p.lost ? '#d33' : '#37a'}"/>`)
    out.push(`<text x="${lx + 7}" y="${ly}" text-anchor="middle" fill="#fff" font-size="9">${p.n}</text>`)
    out.push(
      `<text x="${lx + 20}" y="${ly}">${escapeXml(`${s.id}: ${s.accounts_taken_over}/${s.accounts_targeted} taken over, ${outcome}; friction ${(p.friction * 100).toFixed(2)}%`)}</text>`,
    )
  })
  const l = card.legitimate
  const ly = PLOT.top + 30 + points.length * 19
  out.push(`<text x="${lx}" y="${ly}" font-weight="bold">honest customers (whole run)</text>`)
  out.push(`<text x="${lx}" y="${ly + 18}">${escapeXml(`step-up rate ${(l.step_up_rate * 100).toFixed(2)}% (target ≤ 2%) of ${l.logins} logins`)}</text>`)
  out.push(`<text x="${lx}" y="${ly + 36}">${escapeXml(`held withdrawals ${(l.held_rate * 100).toFixed(2)}% (target ≤ 0.5%) of ${l.withdrawals}`)}</text>`)
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
