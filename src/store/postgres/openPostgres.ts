import pg from 'pg'
import { PostgresDialect } from 'kysely'

export interface PostgresOptions {
  url: string
  schema: string
  poolSize: number
}

const INT8_OID = 20
const NUMERIC_OID = 1700

/**
 * Money and quantities are bigint columns. They are read back as JS numbers, refusing any value
 * outside the exactly representable range rather than silently rounding it.
 */
function parseSafeInteger(text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer ${text} is outside the safe range`)
  return n
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8_OID || oid === NUMERIC_OID) return parseSafeInteger
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown
  },
}

/** Creates the schema if missing and returns a dialect whose connections use it. */
export async function openPostgres(options: PostgresOptions): Promise<{ dialect: PostgresDialect; pool: pg.Pool }> {
  const setup = new pg.Client({ connectionString: options.url })
  await setup.connect()
  try {
    await setup.query(`create schema if not exists "${options.schema}"`)
  } finally {
    await setup.end()
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    options: `-c search_path="${options.schema}"`,
    types,
  })
  return { dialect: new PostgresDialect({ pool }), pool }
}

/** SQLSTATE classes: 23505 unique_violation, 23514 check_violation. */
export function postgresConstraint(err: unknown): 'unique' | 'check' | undefined {
  const code = (err as { code?: unknown } | null)?.code
  if (code === '23505') return 'unique'
  if (code === '23514') return 'check'
  return undefined
}

/** 40001 serialization_failure and 40P01 deadlock_detected are safe to retry. */
export function postgresRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === '40001' || code === '40P01'
}
