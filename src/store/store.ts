import { Kysely, Migrator, type Migration, type MigrationProvider, type Transaction } from 'kysely'
import type { FrozenConfig } from '../config/index.js'
import type { Dialect } from './dialect.js'
import { MIGRATIONS } from './migrations/index.js'
import { openPostgres, postgresConstraint, postgresRetryable } from './postgres/openPostgres.js'
import type { Database } from './schema.js'
import { openSqlite, sqliteConstraint } from './sqlite/openSqlite.js'

/** Either the root handle or a transaction; domain functions accept both. */
export type Db = Kysely<Database> | Transaction<Database>

/** The storage handle every other area receives. */
export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  /** The PostgreSQL schema holding Mamori's tables (undefined on SQLite). */
  readonly schema: string | undefined
  /** What kind of constraint an error violated, if it is a constraint violation. */
  constraintViolation(err: unknown): 'unique' | 'check' | undefined
  /**
   * Runs `fn` in one transaction. On PostgreSQL a deadlock or serialization failure is retried
   * a few times; on SQLite transactions are already serialized by the single connection.
   */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export type StoreConfig = FrozenConfig['database'] & { sqliteSynchronous?: 'full' | 'normal' }

/** Opens the configured database. Call `migrate` before use. */
export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.dialect === 'postgres') {
    if (config.postgresUrl === undefined) throw new TypeError('postgresUrl is required for postgres')
    const { dialect } = await openPostgres({
      url: config.postgresUrl,
      schema: config.postgresSchema,
      poolSize: config.poolSize,
    })
    const db = new Kysely<Database>({ dialect })
    return {
      db,
      dialect: 'postgres',
      schema: config.postgresSchema,
      constraintViolation: postgresConstraint,
      async transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
        for (let attempt = 1; ; attempt++) {
          try {
            return await db.transaction().execute(fn)
          } catch (err) {
            if (attempt >= 5 || !postgresRetryable(err)) throw err
          }
        }
      },
      close: () => db.destroy(),
    }
  }
  const db = new Kysely<Database>({
    dialect: openSqlite({
      path: config.sqlitePath,
      synchronous: config.sqliteSynchronous ?? 'full',
      ...(config.sqliteCacheMiB === undefined ? {} : { cacheMiB: config.sqliteCacheMiB }),
    }),
  })
  return {
    db,
    dialect: 'sqlite',
    schema: undefined,
    constraintViolation: sqliteConstraint,
    transaction: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  }
}

/** Applies every pending migration; returns the names applied. Safe to run repeatedly. */
export async function migrate(store: Store): Promise<string[]> {
  const provider: MigrationProvider = {
    async getMigrations(): Promise<Record<string, Migration>> {
      const out: Record<string, Migration> = {}
      for (const m of MIGRATIONS) out[m.name] = { up: (db) => m.up(db, store.dialect) }
      return out
    },
  }
  // Pinning the schema keeps the migrator from finding another schema's bookkeeping tables
  // through the search path (several Mamori schemas can share one PostgreSQL database).
  const migrator = new Migrator({
    db: store.db,
    provider,
    ...(store.schema === undefined ? {} : { migrationTableSchema: store.schema }),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error))
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
