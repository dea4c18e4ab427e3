import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openStore, migrate, type Store, type Dialect } from '../../src/store/index.js'

/**
 * Storage tests run once per dialect against real databases: a fresh SQLite file, and when
 * MAMORI_TEST_PG_URL is set, a fresh schema on that PostgreSQL server (dropped afterwards).
 */
export const PG_URL: string | undefined = process.env.MAMORI_TEST_PG_URL || undefined

export interface DialectCase {
  readonly dialect: Dialect
  /** A migrated, empty store of its own. */
  open(): Promise<Store>
}

export const sqliteCase: DialectCase = {
  dialect: 'sqlite',
  async open(): Promise<Store> {
    const dir = mkdtempSync(join(tmpdir(), 'mamori-test-'))
    const store = await openStore({
      dialect: 'sqlite',
      sqlitePath: join(dir, 'mamori.db'),
      postgresSchema: 'public',
      poolSize: 1,
      sqliteSynchronous: 'normal',
    })
    await migrate(store)
    const close = store.close
    return Object.assign(Object.create(null), store, {
      async close(): Promise<void> {
        await close()
        rmSync(dir, { recursive: true, force: true })
      },
    }) as Store
  },
}

export const postgresCase: DialectCase = {
  dialect: 'postgres',
  async open(): Promise<Store> {
    if (PG_URL === undefined) throw new Error('MAMORI_TEST_PG_URL is not set')
    const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`
    const store = await openStore({
      dialect: 'postgres',
      sqlitePath: '',
      postgresUrl: PG_URL,
      postgresSchema: schema,
      poolSize: 20,
    })
    await migrate(store)
    const close = store.close
    return Object.assign(Object.create(null), store, {
      async close(): Promise<void> {
        await close()
        const client = new pg.Client({ connectionString: PG_URL })
        await client.connect()
        try {
          await client.query(`drop schema if exists "${schema}" cascade`)
        } finally {
          await client.end()
        }
      },
    }) as Store
  },
}

/** The dialects this run covers: SQLite always, PostgreSQL when configured. */
export const DIALECTS: readonly DialectCase[] = PG_URL === undefined ? [sqliteCase] : [sqliteCase, postgresCase]
