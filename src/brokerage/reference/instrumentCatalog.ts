import { SeededRandom } from '../../runtime/index.js'

/** An instrument the reference brokerage lists. All amounts are integers. */
export interface InstrumentSpec {
  /** The 4-digit code for TSE; `SZ.002xxx`, `SH.60xxxx`, `HK.08xxx`, `US.XXXX` for foreign stocks. */
  symbol: string
  name: string
  market: 'TSE' | 'SSE' | 'SZSE' | 'HKEX' | 'NASDAQ' | 'NYSE'
  segment: 'domestic_large' | 'domestic_small' | 'foreign_small'
  /** Integer JPY per share, > 0. */
  basePrice: number
  /** Integer JPY. */
  marketCap: number
  /** Average daily volume, integer shares. */
  avgDailyVolume: number
  /** Shares per trading unit: 100 on the TSE, 1 for foreign stocks. */
  lotSize: number
}

/** The exchange an instrument trades on. */
export type InstrumentMarket = InstrumentSpec['market']

/** The liquidity segment; the thin segments are where seed 003's pump and dump happened. */
export type InstrumentSegment = InstrumentSpec['segment']

// Each segment draws from its own stream so that changing one segment leaves the others as they were.
const DOMESTIC_SMALL_SEED = 0x4d41_0001
const FOREIGN_SMALL_SEED = 0x4d41_0002

const BILLION = 1_000_000_000

/**
 * Real TSE Prime names and codes with round, plausible 2024-25 figures: [code, name, price JPY,
 * market cap ¥bn, average daily volume in thousands of shares]. Illustrative, not market data.
 */
const DOMESTIC_LARGE: readonly (readonly [string, string, number, number, number])[] = [
  ['7203', 'トヨタ自動車', 2_800, 45_000, 25_000],
  ['6758', 'ソニーグループ', 3_600, 22_000, 10_000],
  ['9984', 'ソフトバンクグループ', 9_500, 14_000, 12_000],
  ['8306', '三菱UFJフィナンシャル・グループ', 1_900, 23_000, 40_000],
  ['9432', '日本電信電話', 155, 14_000, 150_000],
  ['8035', '東京エレクトロン', 25_000, 11_800, 5_000],
  ['6501', '日立製作所', 3_800, 17_500, 12_000],
  ['8316', '三井住友フィナンシャルグループ', 3_800, 15_000, 18_000],
  ['4063', '信越化学工業', 5_000, 10_000, 8_000],
  ['9983', 'ファーストリテイリング', 48_000, 15_000, 1_000],
  ['6098', 'リクルートホールディングス', 9_000, 14_000, 5_000],
  ['8058', '三菱商事', 3_000, 12_500, 15_000],
  ['8001', '伊藤忠商事', 7_500, 10_800, 5_000],
  ['4502', '武田薬品工業', 4_200, 6_600, 6_000],
  ['9433', 'KDDI', 2_500, 10_500, 12_000],
  ['8766', '東京海上ホールディングス', 5_500, 11_000, 6_000],
  ['6902', 'デンソー', 2_000, 5_800, 8_000],
  ['7974', '任天堂', 11_000, 14_300, 8_000],
  ['4519', '中外製薬', 7_000, 11_500, 4_000],
  ['8411', 'みずほフィナンシャルグループ', 4_000, 10_000, 12_000],
  ['6367', 'ダイキン工業', 18_000, 5_300, 1_200],
  ['7267', '本田技研工業', 1_500, 7_500, 20_000],
  ['8031', '三井物産', 3_300, 9_800, 10_000],
  ['6981', '村田製作所', 2_500, 4_700, 10_000],
  ['4568', '第一三共', 3_800, 7_200, 8_000],
  ['6954', 'ファナック', 4_200, 4_000, 4_000],
  ['7741', 'HOYA', 19_000, 6_500, 1_200],
  ['9434', 'ソフトバンク', 210, 10_000, 80_000],
  ['6702', '富士通', 3_500, 6_300, 8_000],
  ['4661', 'オリエンタルランド', 3_300, 6_000, 7_000],
  ['2914', '日本たばこ産業', 4_300, 7_600, 5_000],
  ['4503', 'アステラス製薬', 1_500, 2_700, 8_000],
  ['8053', '住友商事', 3_600, 4_400, 5_000],
  ['8002', '丸紅', 3_000, 5_000, 8_000],
  ['6503', '三菱電機', 3_000, 6_400, 8_000],
  ['7011', '三菱重工業', 3_500, 11_800, 40_000],
  ['6301', '小松製作所', 4_700, 4_500, 4_000],
  ['4901', '富士フイルムホールディングス', 3_300, 4_100, 5_000],
  ['7751', 'キヤノン', 4_400, 4_300, 4_000],
  ['6752', 'パナソニック ホールディングス', 1_600, 3_900, 8_000],
  ['9022', '東海旅客鉄道', 3_200, 3_200, 4_000],
  ['9020', '東日本旅客鉄道', 3_200, 3_600, 6_000],
  ['5108', 'ブリヂストン', 6_500, 4_600, 2_000],
  ['7733', 'オリンパス', 2_000, 2_300, 5_000],
  ['4543', 'テルモ', 2_700, 4_000, 5_000],
  ['6723', 'ルネサスエレクトロニクス', 2_000, 3_600, 15_000],
  ['8591', 'オリックス', 3_400, 3_900, 4_000],
  ['8725', 'MS&ADインシュアランスグループホールディングス', 3_300, 5_000, 6_000],
  ['8750', '第一生命ホールディングス', 1_200, 4_400, 20_000],
  ['5401', '日本製鉄', 3_100, 3_200, 8_000],
]

// Fictitious names; a combination may coincide with a real company by chance.
const DOMESTIC_SMALL_STEMS = [
  '北斗', '東邦', '三栄', '日進', '昭和', '太陽', '朝日', '新光', '中央', '協和', '共栄', '明星', '瑞穂',
  '若葉', '青葉', '菊水', '松風', '千代田', '清和', '大洋', '日東', '旭', '光洋', '丸和', '正栄', '平和',
  '東洋', '白鳳', '常盤', '扇', '双葉', '弥生', '紀州', '越後', '信濃', '房総', '湘南', '飛騨', '阿波', '筑紫',
] as const
const DOMESTIC_SMALL_KINDS = [
  '工業', '製作所', '電機', '化成', '精機', '商事', 'ホールディングス', '技研', 'システム', '食品', '薬品',
  '建設', '物産', '興産', '産業', '電子', '製菓', '運輸', '不動産', '通信',
] as const

const CHINA_REGIONS = [
  '広東', '浙江', '江蘇', '山東', '福建', '湖南', '湖北', '四川', '安徽', '河南', '江西', '遼寧', '重慶',
  '天津', '上海', '北京',
] as const
const CHINA_STEMS = [
  '華信', '恒達', '金盛', '天宇', '鴻泰', '新億', '中科', '宏源', '瑞豊', '海潤', '永泰', '星輝', '凱盛',
  '華陽', '匯通', '盛源', '泰和', '長栄', '富隆', '遠航',
] as const
const CHINA_KINDS = ['科技', '新材料', '電子', '医薬', '環保', '能源', '智能', '精密', '生物', '信息'] as const
const HK_FORMS = ['中国{s}控股', '{s}集団控股', '{s}国際', '{s}科技集団'] as const

const US_STEMS = [
  'Veronix', 'Altura', 'Quantiva', 'Nexora', 'Brightwell', 'Solvane', 'Corvid', 'Lumetra', 'Zentrix',
  'Harborline', 'Pinecrest', 'Aurelian', 'Kestrel', 'Oberon', 'Tessaro', 'Wyvern', 'Meridal', 'Ironvale',
] as const
const US_KINDS = [
  'Therapeutics Inc.', 'Holdings Corp.', 'Technologies Inc.', 'Biosciences Inc.', 'Energy Corp.',
  'Robotics Inc.', 'Pharma Ltd.', 'Digital Inc.',
] as const

type ForeignMarket = Exclude<InstrumentMarket, 'TSE'>

/**
 * How many thin foreign stocks each market gets (70 Chinese), the symbol prefix and code ranges,
 * and the JPY price range (A-shares at CNY 3-40, HK GEM penny stocks, US small caps at $1-15).
 */
const FOREIGN_PLAN: readonly {
  market: ForeignMarket
  count: number
  code: (rng: SeededRandom) => string
  price: readonly [number, number]
}[] = [
  { market: 'SZSE', count: 35, code: (rng) => `SZ.${rng.pick(['002', '300', '301'])}${digits(rng, 3)}`, price: [60, 850] },
  { market: 'SSE', count: 15, code: (rng) => `SH.${rng.pick(['600', '603', '605', '688'])}${digits(rng, 3)}`, price: [60, 850] },
  { market: 'HKEX', count: 20, code: (rng) => `HK.08${digits(rng, 3)}`, price: [3, 60] },
  { market: 'NASDAQ', count: 20, code: (rng) => `US.${letters(rng, 4)}`, price: [150, 2_250] },
  { market: 'NYSE', count: 10, code: (rng) => `US.${letters(rng, 3)}`, price: [150, 2_250] },
]

/**
 * The reference brokerage's instruments: 50 domestic large caps (real TSE Prime names and
 * codes), 100 fictitious domestic small caps and 100 fictitious thin foreign small caps, 70 of
 * them Chinese. The same frozen list on every call.
 */
export function buildInstrumentCatalog(): readonly InstrumentSpec[] {
  const taken = new Set<string>()
  const names = new Set<string>()
  const out: InstrumentSpec[] = []
  for (const [code, name, price, capBn, advThousands] of DOMESTIC_LARGE) {
    taken.add(code)
    names.add(name)
    out.push({
      symbol: code,
      name,
      market: 'TSE',
      segment: 'domestic_large',
      basePrice: price,
      marketCap: capBn * BILLION,
      avgDailyVolume: advThousands * 1_000,
      lotSize: 100,
    })
  }
  out.push(...domesticSmallCaps(taken, names))
  out.push(...foreignSmallCaps(taken, names))
  return Object.freeze(out.map((spec) => Object.freeze(spec)))
}

function domesticSmallCaps(taken: Set<string>, names: Set<string>): InstrumentSpec[] {
  const rng = new SeededRandom(DOMESTIC_SMALL_SEED)
  const out: InstrumentSpec[] = []
  while (out.length < 100) {
    const symbol = String(2_000 + rng.int(8_000))
    const name = `${rng.pick(DOMESTIC_SMALL_STEMS)}${rng.pick(DOMESTIC_SMALL_KINDS)}`
    if (taken.has(symbol) || names.has(name)) continue
    // Draw price and share count, keep the pair only if the market cap lands in ¥1bn-¥30bn.
    let price: number
    let shares: number
    do {
      price = Math.round(logUniform(rng, 200, 5_000))
      shares = Math.round(logUniform(rng, 3_000_000, 50_000_000))
    } while (price * shares < 1 * BILLION || price * shares > 30 * BILLION)
    const turnover = logUniform(rng, 0.0008, 0.008)
    const adv = clamp(Math.round((shares * turnover) / 100) * 100, 5_000, 300_000)
    taken.add(symbol)
    names.add(name)
    out.push({
      symbol,
      name,
      market: 'TSE',
      segment: 'domestic_small',
      basePrice: price,
      marketCap: price * shares,
      avgDailyVolume: adv,
      lotSize: 100,
    })
  }
  return out
}

function foreignSmallCaps(taken: Set<string>, names: Set<string>): InstrumentSpec[] {
  const rng = new SeededRandom(FOREIGN_SMALL_SEED)
  const out: InstrumentSpec[] = []
  for (const plan of FOREIGN_PLAN) {
    let made = 0
    while (made < plan.count) {
      const symbol = plan.code(rng)
      const name = foreignName(rng, plan.market)
      if (taken.has(symbol) || names.has(name)) continue
      taken.add(symbol)
      names.add(name)
      made++
      out.push({
        symbol,
        name,
        market: plan.market,
        segment: 'foreign_small',
        basePrice: Math.round(logUniform(rng, plan.price[0], plan.price[1])),
        marketCap: Math.round(logUniform(rng, 1_000, 50_000)) * 1_000_000,
        avgDailyVolume: Math.round(logUniform(rng, 1_000, 50_000)),
        lotSize: 1,
      })
    }
  }
  return out
}

function foreignName(rng: SeededRandom, market: ForeignMarket): string {
  switch (market) {
    case 'SZSE':
    case 'SSE':
      return `${rng.pick(CHINA_REGIONS)}${rng.pick(CHINA_STEMS)}${rng.pick(CHINA_KINDS)}`
    case 'HKEX':
      return rng.pick(HK_FORMS).replace('{s}', rng.pick(CHINA_STEMS))
    case 'NASDAQ':
    case 'NYSE':
      return `${rng.pick(US_STEMS)} ${rng.pick(US_KINDS)}`
  }
}

function logUniform(rng: SeededRandom, min: number, max: number): number {
  return Math.exp(Math.log(min) + rng.next() * (Math.log(max) - Math.log(min)))
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n))
}

function digits(rng: SeededRandom, n: number): string {
  return String(rng.int(10 ** n)).padStart(n, '0')
}

function letters(rng: SeededRandom, n: number): string {
  let s = ''
  for (let i = 0; i < n; i++) s += String.fromCharCode(65 + rng.int(26))
  return s
}
