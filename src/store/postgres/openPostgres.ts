import pg from 'pg'
import {
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely'

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

/**
 * Creates the schema if missing and returns a dialect whose connections use it. An existing schema
 * is left alone: `create schema if not exists` needs CREATE on the database even when the schema is
 * there, and the service may run as a locked-down role that has no such right.
 */
export async function openPostgres(options: PostgresOptions): Promise<{ dialect: PostgresDialect; pool: pg.Pool }> {
  const setup = new pg.Client({ connectionString: options.url })
  await setup.connect()
  try {
    const found = await setup.query('select 1 from pg_catalog.pg_namespace where nspname = $1', [options.schema])
    if (found.rowCount === 0) await setup.query(`create schema if not exists "${options.schema}"`)
  } finally {
    await setup.end()
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    options: `-c search_path="${options.schema}"`,
    types,
  })
  return { dialect: new SchemaScopedPostgresDialect({ pool }, options.schema), pool }
}

/**
 * Kysely's PostgreSQL introspector walks every schema of the database, so a schema someone else
 * drops during the walk (several Mamori schemas or test runs sharing one database) fails our
 * migration with 3F000. Mamori only ever introspects its own schema (the migrator checks for its
 * bookkeeping tables), so the introspector here looks at that schema alone.
 */
class SchemaScopedPostgresDialect extends PostgresDialect {
  readonly #schema: string

  constructor(config: ConstructorParameters<typeof PostgresDialect>[0], schema: string) {
    super(config)
    this.#schema = schema
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.#schema)
  }
}

class SchemaScopedIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly schema: string,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace where nspname = ${this.schema}`.execute(this.db)
    return rows
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<{ table: string; kind: string; column: string | null; type: string | null; notNull: boolean | null; hasDefault: boolean | null }>`
      select c.relname as "table", c.relkind as kind, a.attname as "column", t.typname as type,
             a.attnotnull as "notNull", a.atthasdef as "hasDefault"
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        left join pg_catalog.pg_type t on t.oid = a.atttypid
       where n.nspname = ${this.schema} and c.relkind in ('r', 'v', 'p')
       order by c.relname, a.attnum`.execute(this.db)
    const tables = new Map<string, { name: string; isView: boolean; schema: string; columns: TableMetadata['columns'][number][] }>()
    for (const row of rows) {
      if (!options.withInternalKyselyTables && row.table.startsWith('kysely_')) continue
      let table = tables.get(row.table)
      if (table === undefined) {
        table = { name: row.table, isView: row.kind === 'v', schema: this.schema, columns: [] }
        tables.set(row.table, table)
      }
      if (row.column !== null) {
        table.columns.push({
          name: row.column,
          dataType: row.type ?? '',
          isNullable: row.notNull !== true,
          isAutoIncrementing: false,
          hasDefaultValue: row.hasDefault === true,
        })
      }
    }
    return [...tables.values()]
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) }
  }
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
