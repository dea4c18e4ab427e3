import { MamoriError } from '../errors/index.js'
import type { Db, InstrumentsTable } from '../store/index.js'

export interface Instrument {
  readonly symbol: string
  readonly name: string
  readonly market: string
  readonly segment: InstrumentsTable['segment']
  readonly basePrice: number
  readonly marketCap: number
  readonly avgDailyVolume: number
  readonly lotSize: number
}

/** Writes the instrument catalogue; existing symbols are left as they are. */
export async function seedInstruments(db: Db, instruments: readonly Instrument[]): Promise<void> {
  for (let i = 0; i < instruments.length; i += 200) {
    await db
      .insertInto('instruments')
      .values(
        instruments.slice(i, i + 200).map((x) => ({
          symbol: x.symbol,
          name: x.name,
          market: x.market,
          segment: x.segment,
          base_price: x.basePrice,
          market_cap: x.marketCap,
          avg_daily_volume: x.avgDailyVolume,
          lot_size: x.lotSize,
        })),
      )
      .onConflict((oc) => oc.column('symbol').doNothing())
      .execute()
  }
}

/** One instrument, or INSTRUMENT_UNKNOWN. */
export async function getInstrument(db: Db, symbol: string): Promise<Instrument> {
  const row = await db.selectFrom('instruments').selectAll().where('symbol', '=', symbol).executeTakeFirst()
  if (row === undefined) throw new MamoriError('INSTRUMENT_UNKNOWN', `unknown instrument ${symbol}`, { symbol })
  return toInstrument(row)
}

/** Every instrument, ordered by symbol. */
export async function listInstruments(db: Db): Promise<Instrument[]> {
  const rows = await db.selectFrom('instruments').selectAll().orderBy('symbol').execute()
  return rows.map(toInstrument)
}

function toInstrument(row: InstrumentsTable): Instrument {
  return {
    symbol: row.symbol,
    name: row.name,
    market: row.market,
    segment: row.segment,
    basePrice: Number(row.base_price),
    marketCap: Number(row.market_cap),
    avgDailyVolume: Number(row.avg_daily_volume),
    lotSize: Number(row.lot_size),
  }
}
