import type { Insertable } from 'kysely'
import type { AccessEventsTable, Dialect } from '../store/index.js'
import { ACCESS_EVENT_COLUMNS } from '../risk/events/index.js'

const DAY_MS = 86_400_000

/** Seed 004's period: the web destination changes of 1 July – 16 September 2020. */
export const SCAN_BENCH_FROM = Date.UTC(2020, 6, 1)
export const SCAN_BENCH_TO = Date.UTC(2020, 8, 17)
/** The history starts a year before the period, so every change has a full year behind it. */
export const SCAN_BENCH_START = SCAN_BENCH_FROM - 365 * DAY_MS

/** How big the synthetic broker is. */
export interface ScanBenchShape {
  /** Background access events (logins, orders, failed logins), spread evenly over the whole span. */
  readonly events: number
  /** Customers sharing the background; the first `changes` of them each change a destination once. */
  readonly customers: number
  readonly changes: number
  /** Changes replaced by an attacker's (five kinds, in turn); the scan should report exactly these. */
  readonly planted: number
}

/**
 * Fixed-line ISPs a customer's home is on (`c % 10`). The last two are KDDI and SoftBank, which
 * also run mobile networks and are therefore on the shared-network list: there only the device vouches.
 */
const HOME = [
  { asn: 4713, name: 'NTT Communications Corporation', prefix: '153' },
  { asn: 2527, name: 'Sony Network Communications Inc.', prefix: '114' },
  { asn: 2518, name: 'BIGLOBE Inc.', prefix: '61' },
  { asn: 4685, name: 'Asahi Net', prefix: '27' },
  { asn: 9824, name: 'JCOM Co., Ltd.', prefix: '49' },
  { asn: 17511, name: 'OPTAGE Inc.', prefix: '60' },
  { asn: 2514, name: 'NTT PC Communications, Inc.', prefix: '122' },
  { asn: 4725, name: 'SoftBank Corp.', prefix: '210' },
  { asn: 2516, name: 'KDDI CORPORATION', prefix: '106' },
  { asn: 17676, name: 'SoftBank Corp.', prefix: '126' },
] as const
/** Mobile carriers (`c % 3`); their addresses come from a pool of 4,096 CGNAT addresses each, shared by everyone. */
const MOBILE = [
  { asn: 9605, name: 'NTT DOCOMO, INC.', prefix: '1.72' },
  { asn: 2516, name: 'KDDI CORPORATION', prefix: '111.86' },
  { asn: 17676, name: 'SoftBank Corp.', prefix: '126.200' },
] as const
const DESKTOP = {
  ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/85.0.4183.102 Safari/537.36',
  browser: 'Chrome 85',
  os: 'Windows 10',
  type: 'desktop',
} as const
const IPHONE = {
  ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 13_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.2 Mobile/15E148 Safari/604.1',
  browser: 'Mobile Safari 13',
  os: 'iOS 13.6',
  type: 'mobile',
} as const
const SCRIPT = { ua: 'python-requests/2.24.0', browser: null, os: null, type: 'other' } as const

/** The columns written, in the order of the bulk SELECT: the access log's own. */
export const BULK_COLUMNS = ACCESS_EVENT_COLUMNS

const LOGIN_DETAIL = '{"route":"/v1/auth/login","status":200}'
const ORDER_DETAIL = '{"route":"/v1/orders","status":201,"symbol":"7203","side":"buy","quantity":100}'

/**
 * One INSERT … SELECT writing background events n ∈ [a, b), computed by the database itself from n
 * (SQLite: a recursive CTE; PostgreSQL: generate_series), so 20 million rows never cross the
 * driver. Event n belongs to customer n mod C, at START + n·SPAN/N (time order, so the time-ordered
 * ids append to the primary key). Its origin, by a hash of n: 60 % the customer's home line and PC,
 * 30 % the customer's phone on a mobile carrier from a shared CGNAT pool, 8 % the phone on the
 * home Wi-Fi, 2 % a failed login from a VPS (stuffing noise, which must never vouch).
 */
export function backgroundInsertSql(dialect: Dialect, shape: ScanBenchShape, a: number, b: number): string {
  const { events: N, customers: C } = shape
  const span = SCAN_BENCH_TO - SCAN_BENCH_START
  const caseOf = (index: string, values: readonly (string | number)[]): string =>
    `CASE ${index} ${values.map((v, i) => `WHEN ${i} THEN ${typeof v === 'number' ? v : `'${v}'`}`).join(' ')} END`
  const octets = (x: string, count: number): string =>
    Array.from({ length: count }, (_, i) => `((${x} / ${256 ** (count - 1 - i)}) % 256)`).join(` || '.' || `)
  const homeIp = `${caseOf('hn', HOME.map((h) => h.prefix))} || '.' || ${octets('c', 3)}`
  const pool = `((c * 31 + n / ${C}) % 4096)`
  const mobileIp = `${caseOf('mc', MOBILE.map((m) => m.prefix))} || '.' || ${octets(pool, 2)}`
  const attackIp = `'45.' || ${octets('n', 3)}`
  const byOrigin = (home: string, mobile: string, wifi: string, attack: string): string =>
    `CASE o WHEN 0 THEN ${home} WHEN 1 THEN ${mobile} WHEN 2 THEN ${wifi} ELSE ${attack} END`
  const q = (s: string | null): string => (s === null ? 'NULL' : `'${s}'`)
  const homeAsn = caseOf('hn', HOME.map((h) => h.asn))
  const mobileAsn = caseOf('mc', MOBILE.map((m) => m.asn))
  const homeNet = caseOf('hn', HOME.map((h) => `asn:${h.asn}`))
  const mobileNet = caseOf('mc', MOBILE.map((m) => `asn:${m.asn}`))
  const homeName = caseOf('hn', HOME.map((h) => h.name))
  const mobileName = caseOf('mc', MOBILE.map((m) => m.name))
  const pc = `'dev_' || c || '_pc'`
  const phone = `'dev_' || c || '_ph'`
  const select = `
    SELECT ${dialect === 'sqlite' ? `printf('acc_%012x%020x', at, n)` : `'acc_' || lpad(to_hex(at), 12, '0') || lpad(to_hex(n), 20, '0')`},
      at, 'cus_' || c, NULL, NULL,
      CASE WHEN o = 3 THEN 'login_failed' WHEN h % 3 = 0 THEN 'login' ELSE 'order' END,
      CASE WHEN o = 3 THEN 'failure' ELSE 'success' END,
      ${byOrigin(homeIp, mobileIp, homeIp, attackIp)},
      ${byOrigin(homeAsn, mobileAsn, homeAsn, '14061')},
      ${byOrigin(homeName, mobileName, homeName, `'DigitalOcean, LLC'`)},
      ${byOrigin(homeNet, mobileNet, homeNet, `'asn:14061'`)},
      CASE WHEN o = 3 THEN 'US' ELSE 'JP' END, NULL, NULL, NULL,
      CASE WHEN o = 3 THEN 1 ELSE 0 END,
      ${byOrigin(q(DESKTOP.ua), q(IPHONE.ua), q(IPHONE.ua), q(SCRIPT.ua))},
      ${byOrigin(q(DESKTOP.browser), q(IPHONE.browser), q(IPHONE.browser), 'NULL')},
      ${byOrigin(q(DESKTOP.os), q(IPHONE.os), q(IPHONE.os), 'NULL')},
      ${byOrigin(q(DESKTOP.type), q(IPHONE.type), q(IPHONE.type), q(SCRIPT.type))},
      ${byOrigin(pc, phone, phone, 'NULL')},
      CASE WHEN o = 3 OR h % 3 = 0 THEN '${LOGIN_DETAIL}' ELSE '${ORDER_DETAIL}' END
    FROM (
      SELECT n, c, at, h, c % 10 AS hn, c % 3 AS mc,
        CASE WHEN h < 60 THEN 0 WHEN h < 90 THEN 1 WHEN h < 98 THEN 2 ELSE 3 END AS o
      FROM (
        SELECT n, n % ${C} AS c, ${SCAN_BENCH_START} + (n * ${span}) / ${N} AS at,
          ((n * 2654435761) % 4294967311) % 100 AS h
        FROM ${dialect === 'sqlite' ? 's' : `generate_series(${a}::bigint, ${b - 1}::bigint) AS s(n)`}
      ) q0
    ) q`
  const insert = `INSERT INTO access_events (${BULK_COLUMNS.join(', ')})`
  if (dialect === 'sqlite') {
    return `WITH RECURSIVE s(n) AS (SELECT ${a} UNION ALL SELECT n + 1 FROM s WHERE n < ${b - 1}) ${insert} ${select}`
  }
  return `${insert} ${select}`
}

/** The synthetic events written from JavaScript: the changes, the attackers' earlier traces, and what the scan should find. */
export interface ChangeSet {
  readonly rows: readonly Insertable<AccessEventsTable>[]
  /** Event ids of the planted attacker changes. */
  readonly planted: ReadonlySet<string>
  /** Event ids of benign changes built to look odd (an origin first used 10 days before): must not be reported. */
  readonly nearMisses: ReadonlySet<string>
}

interface Origin {
  readonly ip: string
  readonly asn: number
  readonly asnName: string
  readonly network: string
  readonly country: string
  readonly hosting: boolean
  readonly agent: { readonly ua: string; readonly browser: string | null; readonly os: string | null; readonly type: string }
  readonly deviceId: string | null
}

/**
 * The period's destination changes, one per customer 0 … changes−1, evenly over the period. Benign
 * ones come, in turn, from the home PC, the phone on its carrier, the home network on a renumbered
 * address, and the phone on the home Wi-Fi — all familiar to the online rule. Every
 * ⌊changes/planted⌋-th is an attacker's, in five kinds: a script on AWS (no device; a withdrawal
 * from elsewhere follows), an AWS address whose own successful login 2 days earlier must not make
 * it familiar (the 7-day settle), a new phone on the customer's own carrier (shared network: the
 * device must vouch), a Chinese residential proxy that had failed logins on the account a month
 * before (failures never vouch), and an origin last used 380 days before (beyond the year). Next
 * to each planted change is a near miss: a new home line first used 10 days before.
 */
export function buildChangeSet(shape: ScanBenchShape): ChangeSet {
  const rows: Insertable<AccessEventsTable>[] = []
  const planted = new Set<string>()
  const nearMisses = new Set<string>()
  let serial = 0
  const add = (at: number, customer: number, action: string, outcome: string, o: Origin, detail: Record<string, unknown>): string => {
    const id = `acc_${at.toString(16).padStart(12, '0')}f${(serial++).toString(16).padStart(19, '0')}`
    rows.push({
      id,
      at,
      customer_id: `cus_${customer}`,
      login_id_hash: null,
      session_hash: null,
      action,
      outcome,
      ip: o.ip,
      asn: o.asn,
      asn_name: o.asnName,
      network: o.network,
      country: o.country,
      city: null,
      latitude: null,
      longitude: null,
      hosting: o.hosting ? 1 : 0,
      user_agent: o.agent.ua,
      browser: o.agent.browser,
      os: o.agent.os,
      device_type: o.agent.type,
      device_id: o.deviceId,
      detail_json: JSON.stringify(detail),
    })
    return id
  }
  const change = { route: '/v1/destinations', status: 201, bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '7654321' }
  const login = { route: '/v1/auth/login', status: 200 }
  const step = Math.max(1, Math.floor(shape.changes / Math.max(1, shape.planted)))
  const period = SCAN_BENCH_TO - SCAN_BENCH_FROM
  for (let i = 0; i < shape.changes; i++) {
    const at = SCAN_BENCH_FROM + Math.floor(((i + 0.5) * period) / shape.changes)
    const home = HOME[i % 10]!
    const mobile = MOBILE[i % 3]!
    const homeIp = `${home.prefix}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    const own = (ip: string, net: { asn: number; name: string }, agent: Origin['agent'], device: string): Origin => ({
      ip,
      asn: net.asn,
      asnName: net.name,
      network: `asn:${net.asn}`,
      country: 'JP',
      hosting: false,
      agent,
      deviceId: `dev_${i}_${device}`,
    })
    const plantedIndex = i % step === 0 ? i / step : -1
    if (plantedIndex >= 0 && plantedIndex < shape.planted) {
      const aws = (deviceId: string | null): Origin => ({
        ip: `3.112.${(plantedIndex >> 8) & 255}.${plantedIndex & 255}`,
        asn: 16509,
        asnName: 'Amazon.com, Inc.',
        network: 'asn:16509',
        country: 'JP',
        hosting: true,
        agent: deviceId === null ? SCRIPT : DESKTOP,
        deviceId,
      })
      let origin: Origin
      switch (plantedIndex % 5) {
        case 0:
          origin = aws(null)
          add(at + 3 * DAY_MS, i, 'withdrawal', 'success', { ...aws(null), ip: `18.176.0.${plantedIndex & 255}` }, {
            route: '/v1/withdrawals',
            status: 201,
            destinationId: `dst_${i}`,
            amount: 9_800_000,
          })
          break
        case 1:
          origin = aws(`dev_atk_${i}`)
          add(at - 2 * DAY_MS, i, 'login', 'success', origin, login)
          break
        case 2:
          origin = own(`${mobile.prefix}.${(i * 7) % 16}.${i % 256}`, mobile, IPHONE, 'atk')
          break
        case 3:
          origin = {
            ip: `123.118.${(plantedIndex >> 8) & 255}.${plantedIndex & 255}`,
            asn: 4837,
            asnName: 'CHINA UNICOM China169 Backbone',
            network: 'asn:4837',
            country: 'CN',
            hosting: false,
            agent: DESKTOP,
            deviceId: `dev_atk_${i}`,
          }
          add(at - 30 * DAY_MS, i, 'login_failed', 'failure', origin, login)
          add(at - 29 * DAY_MS, i, 'login_failed', 'failure', origin, login)
          break
        default:
          origin = { ...own(`175.0.${(i >> 8) & 255}.${i & 255}`, { asn: 7679, name: 'QTnet,Inc.' }, DESKTOP, 'old') }
          add(at - 380 * DAY_MS, i, 'login', 'success', origin, login)
      }
      planted.add(add(at, i, 'destination_change', 'success', origin, change))
      continue
    }
    if (plantedIndex < 0 && i % step === 1 && Math.floor(i / step) < shape.planted) {
      // A genuinely new home line, first used 10 days before the change: past the settle, so it vouches.
      const moved = own(`218.222.${(i >> 8) & 255}.${i & 255}`, { asn: 7522, name: 'STNet, Incorporated' }, DESKTOP, 'new')
      add(at - 10 * DAY_MS, i, 'login', 'success', moved, login)
      nearMisses.add(add(at, i, 'destination_change', 'success', moved, change))
      continue
    }
    const origin = [
      own(homeIp, home, DESKTOP, 'pc'),
      own(`${mobile.prefix}.${(i * 7) % 16}.${i % 256}`, mobile, IPHONE, 'ph'),
      own(`${home.prefix}.250.${(i >> 8) & 255}.${i & 255}`, home, DESKTOP, 'pc'),
      own(homeIp, home, IPHONE, 'ph'),
    ][i % 4]!
    add(at, i, 'destination_change', 'success', origin, change)
  }
  return { rows, planted, nearMisses }
}
