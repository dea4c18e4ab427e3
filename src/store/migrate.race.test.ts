/*
 * Several Mamori schemas (or parallel test runs) share one PostgreSQL database. Kysely's migrator
 * introspects every schema; a schema dropped by someone else during that scan must not fail our
 * migration.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { PG_URL, postgresCase } from '../../test/support/dialects.js'

describe.skipIf(PG_URL === undefined)('migrations on a shared PostgreSQL database', () => {
  it('succeed while other schemas are created and dropped around them', async () => {
    const churn = new pg.Client({ connectionString: PG_URL })
    await churn.connect()
    let stop = false
    const churning = (async () => {
      while (!stop) {
        const name = `churn_${randomBytes(4).toString('hex')}`
        await churn.query(`create schema "${name}"`)
        await churn.query(`create table "${name}".t (id serial primary key, v text)`)
        await churn.query(`drop schema "${name}" cascade`)
      }
    })()
    let migrated = 0
    try {
      for (let i = 0; i < 6; i++) {
        const store = await postgresCase.open()
        const tables = await store.db.selectFrom('ledger_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
        if (Number(tables.n) === 0) migrated++
        await store.close()
      }
    } finally {
      stop = true
      await churning
      await churn.end()
    }
    expect(migrated).toBe(6)
  })
})
