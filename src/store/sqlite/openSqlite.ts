import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { SqliteDialect } from 'kysely'

export interface SqliteOptions {
  path: string
  /** FULL survives power loss; NORMAL survives a process crash only. */
  synchronous: 'full' | 'normal'
  /** Page cache in MiB; default 256. */
  cacheMiB?: number
}

export const DEFAULT_SQLITE_CACHE_MIB = 256

/** The embedded default: one file, write-ahead logging, waits instead of failing on a busy lock. */
export function openSqlite(options: SqliteOptions): SqliteDialect {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
  const database = new SqliteDatabase(options.path)
  database.pragma('journal_mode = WAL')
  database.pragma(`synchronous = ${options.synchronous.toUpperCase()}`)
  database.pragma('busy_timeout = 5000')
  database.pragma('foreign_keys = ON')
  database.pragma(`cache_size = -${Math.round((options.cacheMiB ?? DEFAULT_SQLITE_CACHE_MIB) * 1024)}`)
  database.pragma('temp_store = MEMORY')
  return new SqliteDialect({ database })
}

/** SQLite reports constraint failures through extended result codes on the error. */
export function sqliteConstraint(err: unknown): 'unique' | 'check' | undefined {
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique'
  if (code === 'SQLITE_CONSTRAINT_CHECK') return 'check'
  return undefined
}
