import { SeededRandom } from '../../runtime/index.js'

/** A fictitious customer for demos and the simulator. */
export interface PersonSpec {
  /** 'mm' and 8 digits, unique within one generated population. */
  loginId: string
  /** Family and given name separated by a full-width space, e.g. '佐藤　翔太'. */
  nameKanji: string
  /** The reading in full-width katakana, e.g. 'サトウ　ショウタ'. */
  nameKana: string
  address: string
  /** A mobile number, 090/080/070-XXXX-XXXX. */
  phone: string
  /** YYYY-MM-DD, between 1945-01-01 and 2004-12-31. */
  dateOfBirth: string
  /** Always at example.jp or example.com (reserved domains), unique within the population. */
  email: string
}

// Separates this generator's stream from other modules seeded with the same simulator seed.
const SALT = 0x7e0b1e05

/** Guards the unique-id loops: loginIds have 10^8 values. */
const MAX_COUNT = 1_000_000

/** [kanji, katakana reading, romaji for e-mail]. Common family names. */
const FAMILY_NAMES: readonly (readonly [string, string, string])[] = [
  ['佐藤', 'サトウ', 'sato'], ['鈴木', 'スズキ', 'suzuki'], ['高橋', 'タカハシ', 'takahashi'],
  ['田中', 'タナカ', 'tanaka'], ['伊藤', 'イトウ', 'ito'], ['渡辺', 'ワタナベ', 'watanabe'],
  ['山本', 'ヤマモト', 'yamamoto'], ['中村', 'ナカムラ', 'nakamura'], ['小林', 'コバヤシ', 'kobayashi'],
  ['加藤', 'カトウ', 'kato'], ['吉田', 'ヨシダ', 'yoshida'], ['山田', 'ヤマダ', 'yamada'],
  ['佐々木', 'ササキ', 'sasaki'], ['山口', 'ヤマグチ', 'yamaguchi'], ['松本', 'マツモト', 'matsumoto'],
  ['井上', 'イノウエ', 'inoue'], ['木村', 'キムラ', 'kimura'], ['林', 'ハヤシ', 'hayashi'],
  ['斎藤', 'サイトウ', 'saito'], ['清水', 'シミズ', 'shimizu'], ['山崎', 'ヤマザキ', 'yamazaki'],
  ['森', 'モリ', 'mori'], ['池田', 'イケダ', 'ikeda'], ['橋本', 'ハシモト', 'hashimoto'],
  ['阿部', 'アベ', 'abe'], ['石川', 'イシカワ', 'ishikawa'], ['山下', 'ヤマシタ', 'yamashita'],
  ['中島', 'ナカジマ', 'nakajima'], ['石井', 'イシイ', 'ishii'], ['小川', 'オガワ', 'ogawa'],
  ['前田', 'マエダ', 'maeda'], ['岡田', 'オカダ', 'okada'], ['長谷川', 'ハセガワ', 'hasegawa'],
  ['藤田', 'フジタ', 'fujita'], ['後藤', 'ゴトウ', 'goto'], ['近藤', 'コンドウ', 'kondo'],
  ['村上', 'ムラカミ', 'murakami'], ['遠藤', 'エンドウ', 'endo'], ['青木', 'アオキ', 'aoki'],
  ['坂本', 'サカモト', 'sakamoto'], ['斉藤', 'サイトウ', 'saito'], ['福田', 'フクダ', 'fukuda'],
  ['太田', 'オオタ', 'ota'], ['西村', 'ニシムラ', 'nishimura'], ['藤井', 'フジイ', 'fujii'],
  ['金子', 'カネコ', 'kaneko'], ['岡本', 'オカモト', 'okamoto'], ['藤原', 'フジワラ', 'fujiwara'],
  ['中野', 'ナカノ', 'nakano'], ['三浦', 'ミウラ', 'miura'], ['原田', 'ハラダ', 'harada'],
  ['中川', 'ナカガワ', 'nakagawa'], ['松田', 'マツダ', 'matsuda'], ['竹内', 'タケウチ', 'takeuchi'],
  ['小野', 'オノ', 'ono'], ['田村', 'タムラ', 'tamura'], ['中山', 'ナカヤマ', 'nakayama'],
  ['和田', 'ワダ', 'wada'], ['石田', 'イシダ', 'ishida'], ['森田', 'モリタ', 'morita'],
  ['上田', 'ウエダ', 'ueda'], ['柴田', 'シバタ', 'shibata'], ['酒井', 'サカイ', 'sakai'],
  ['工藤', 'クドウ', 'kudo'],
]

/** [kanji, katakana reading, romaji for e-mail]. Common given names across generations. */
const GIVEN_NAMES: readonly (readonly [string, string, string])[] = [
  ['翔太', 'ショウタ', 'shota'], ['大輔', 'ダイスケ', 'daisuke'], ['健太', 'ケンタ', 'kenta'],
  ['拓也', 'タクヤ', 'takuya'], ['直樹', 'ナオキ', 'naoki'], ['和也', 'カズヤ', 'kazuya'],
  ['蓮', 'レン', 'ren'], ['大翔', 'ヒロト', 'hiroto'], ['悠真', 'ユウマ', 'yuma'],
  ['陽翔', 'ハルト', 'haruto'], ['湊', 'ミナト', 'minato'], ['健一', 'ケンイチ', 'kenichi'],
  ['誠', 'マコト', 'makoto'], ['浩二', 'コウジ', 'koji'], ['隆', 'タカシ', 'takashi'],
  ['博', 'ヒロシ', 'hiroshi'], ['茂', 'シゲル', 'shigeru'], ['勇気', 'ユウキ', 'yuki'],
  ['達也', 'タツヤ', 'tatsuya'], ['亮', 'リョウ', 'ryo'], ['雄一', 'ユウイチ', 'yuichi'],
  ['修', 'オサム', 'osamu'], ['剛', 'ツヨシ', 'tsuyoshi'], ['哲也', 'テツヤ', 'tetsuya'],
  ['正樹', 'マサキ', 'masaki'], ['秀樹', 'ヒデキ', 'hideki'], ['康弘', 'ヤスヒロ', 'yasuhiro'],
  ['智也', 'トモヤ', 'tomoya'], ['颯太', 'ソウタ', 'sota'], ['一郎', 'イチロウ', 'ichiro'],
  ['美咲', 'ミサキ', 'misaki'], ['陽菜', 'ヒナ', 'hina'], ['結衣', 'ユイ', 'yui'],
  ['桜', 'サクラ', 'sakura'], ['葵', 'アオイ', 'aoi'], ['凛', 'リン', 'rin'],
  ['結菜', 'ユイナ', 'yuina'], ['芽依', 'メイ', 'mei'], ['愛', 'アイ', 'ai'],
  ['優子', 'ユウコ', 'yuko'], ['恵子', 'ケイコ', 'keiko'], ['洋子', 'ヨウコ', 'yoko'],
  ['幸子', 'サチコ', 'sachiko'], ['久美子', 'クミコ', 'kumiko'], ['由美', 'ユミ', 'yumi'],
  ['真由美', 'マユミ', 'mayumi'], ['明美', 'アケミ', 'akemi'], ['智子', 'トモコ', 'tomoko'],
  ['直美', 'ナオミ', 'naomi'], ['彩', 'アヤ', 'aya'], ['麻衣', 'マイ', 'mai'],
  ['千尋', 'チヒロ', 'chihiro'], ['花子', 'ハナコ', 'hanako'], ['美穂', 'ミホ', 'miho'],
  ['香織', 'カオリ', 'kaori'], ['奈々', 'ナナ', 'nana'], ['春香', 'ハルカ', 'haruka'],
  ['沙織', 'サオリ', 'saori'], ['莉子', 'リコ', 'riko'], ['京子', 'キョウコ', 'kyoko'],
]

/** Prefecture + city/ward + town; a chome-banchi-go is appended. */
const AREAS: readonly string[] = [
  '東京都世田谷区三軒茶屋', '東京都杉並区阿佐谷北', '東京都練馬区石神井町', '東京都大田区蒲田',
  '東京都江東区豊洲', '東京都品川区大井', '東京都板橋区常盤台', '東京都八王子市旭町',
  '神奈川県横浜市港北区日吉', '神奈川県川崎市中原区小杉町', '神奈川県藤沢市辻堂', '神奈川県相模原市中央区相模原',
  '埼玉県さいたま市浦和区常盤', '埼玉県川口市栄町', '埼玉県所沢市東町', '千葉県船橋市本町',
  '千葉県千葉市美浜区幕張西', '千葉県柏市柏', '大阪府大阪市北区天神橋', '大阪府豊中市新千里東町',
  '大阪府吹田市江坂町', '大阪府堺市堺区中瓦町', '京都府京都市左京区下鴨', '兵庫県神戸市東灘区住吉本町',
  '兵庫県西宮市甲子園口', '愛知県名古屋市千種区覚王山通', '愛知県豊田市元城町', '福岡県福岡市中央区大名',
  '福岡県北九州市小倉北区魚町', '北海道札幌市中央区北一条西', '宮城県仙台市青葉区一番町', '広島県広島市中区紙屋町',
  '静岡県静岡市葵区呉服町', '新潟県新潟市中央区古町通', '岡山県岡山市北区表町', '沖縄県那覇市久茂地',
]

const MOBILE_PREFIXES = ['090', '080', '070'] as const
const EMAIL_DOMAINS = ['example.jp', 'example.com'] as const

/**
 * `count` fictitious Japanese customers, the same for the same seed; the first n of a larger
 * population equal the population of n. Names come with their katakana readings; e-mail domains
 * are reserved ones, but the phone numbers are well-formed mobile numbers that may exist, so
 * nothing may ever be sent to them. Only the low 32 bits of the seed count.
 */
export function generatePeople(seed: number, count: number): PersonSpec[] {
  if (!Number.isSafeInteger(seed)) throw new TypeError('seed must be a safe integer')
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new TypeError(`count must be an integer in [0, ${MAX_COUNT}]`)
  }
  const rng = new SeededRandom((seed ^ SALT) >>> 0)
  const loginIds = new Set<string>()
  const phones = new Set<string>()
  const emails = new Set<string>()
  const people: PersonSpec[] = []
  for (let i = 0; i < count; i++) {
    const [familyKanji, familyKana, familyRomaji] = rng.pick(FAMILY_NAMES)
    const [givenKanji, givenKana, givenRomaji] = rng.pick(GIVEN_NAMES)
    const loginId = unique(loginIds, () => `mm${digits(rng, 8)}`)
    const [year, month, day] = dateOfBirth(rng)
    const address = `${rng.pick(AREAS)}${1 + rng.int(5)}-${1 + rng.int(30)}-${1 + rng.int(20)}`
    const phone = unique(phones, () => `${rng.pick(MOBILE_PREFIXES)}-${digits(rng, 4)}-${digits(rng, 4)}`)
    const yy = String(year % 100).padStart(2, '0')
    const local = rng.pick([
      `${givenRomaji}.${familyRomaji}`,
      `${familyRomaji}.${givenRomaji}`,
      `${givenRomaji}${yy}`,
      `${familyRomaji}_${givenRomaji}${yy}`,
    ])
    const domain = rng.pick(EMAIL_DOMAINS)
    let email = `${local}@${domain}`
    for (let n = 2; emails.has(email); n++) email = `${local}${n}@${domain}`
    emails.add(email)
    people.push({
      loginId,
      nameKanji: `${familyKanji}\u3000${givenKanji}`,
      nameKana: `${familyKana}\u3000${givenKana}`,
      address,
      phone,
      dateOfBirth: `${year}-${pad2(month)}-${pad2(day)}`,
      email,
    })
  }
  return people
}

function dateOfBirth(rng: SeededRandom): [number, number, number] {
  const year = 1945 + rng.int(60)
  const month = 1 + rng.int(12)
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return [year, month, 1 + rng.int(daysInMonth)]
}

function unique(seen: Set<string>, draw: () => string): string {
  let value = draw()
  while (seen.has(value)) value = draw()
  seen.add(value)
  return value
}

function digits(rng: SeededRandom, n: number): string {
  return String(rng.int(10 ** n)).padStart(n, '0')
}

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}
