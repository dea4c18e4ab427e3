import type { SeededRandom } from '../runtime/index.js'

/** A device class: a computer at home, or a phone that moves between home Wi-Fi and the carrier. */
export type DeviceKind = 'pc' | 'phone'

/** A browser family and the versions a year of updates brings. */
export interface BrowserFamily {
  readonly id: string
  readonly kind: DeviceKind
  /** Rough share among Japanese retail investors' devices of its kind (2024-25). */
  readonly share: number
  readonly versions: readonly string[]
  readonly template: (version: string) => string
}

/** Browsers of Japanese retail investors, with real User-Agent strings as those browsers send them. */
export const BROWSERS: readonly BrowserFamily[] = Object.freeze([
  {
    id: 'windows-chrome',
    kind: 'pc',
    share: 45,
    versions: ['128', '129', '130', '131', '132'],
    template: (v: string) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  },
  {
    id: 'windows-edge',
    kind: 'pc',
    share: 25,
    versions: ['128', '129', '130', '131', '132'],
    template: (v: string) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0`,
  },
  {
    id: 'mac-safari',
    kind: 'pc',
    share: 15,
    versions: ['17.5', '17.6', '18.0', '18.1', '18.2'],
    template: (v: string) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Safari/605.1.15`,
  },
  {
    id: 'mac-chrome',
    kind: 'pc',
    share: 10,
    versions: ['128', '129', '130', '131', '132'],
    template: (v: string) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  },
  {
    id: 'windows-firefox',
    kind: 'pc',
    share: 5,
    versions: ['129', '130', '131', '132', '133'],
    template: (v: string) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
  },
  {
    id: 'iphone-safari',
    kind: 'phone',
    share: 65,
    versions: ['17_6', '18_0', '18_1', '18_2', '18_3'],
    template: (v: string) =>
      `Mozilla/5.0 (iPhone; CPU iPhone OS ${v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v.replace('_', '.')} Mobile/15E148 Safari/604.1`,
  },
  {
    id: 'android-chrome',
    kind: 'phone',
    share: 35,
    versions: ['128', '129', '130', '131', '132'],
    template: (v: string) => `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`,
  },
])

/** What attack tooling sends when nobody bothered to disguise it. */
export const TOOL_AGENTS: readonly string[] = Object.freeze([
  'python-requests/2.32.3',
  'Go-http-client/1.1',
  'curl/8.7.1',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
])

/** A browser family of `kind`, drawn by share. */
export function pickBrowser(kind: DeviceKind, rng: SeededRandom): BrowserFamily {
  const list = BROWSERS.filter((b) => b.kind === kind)
  const total = list.reduce((s, b) => s + b.share, 0)
  let r = rng.next() * total
  for (const b of list) if ((r -= b.share) < 0) return b
  return list[list.length - 1]!
}

/** The User-Agent of `family` at version index `i` (clamped to the newest). */
export function agentOf(family: BrowserFamily, i: number): string {
  return family.template(family.versions[Math.max(0, Math.min(family.versions.length - 1, i))]!)
}
