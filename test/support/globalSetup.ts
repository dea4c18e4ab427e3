import pg from 'pg'

/**
 * Says plainly whether the PostgreSQL suite runs. When MAMORI_TEST_PG_URL is set the server
 * must answer: CI must never pass by silently skipping it.
 */
export default async function setup(): Promise<void> {
  const url = process.env.MAMORI_TEST_PG_URL
  if (url === undefined || url === '') {
    console.log(
      '\n*** PostgreSQL suite SKIPPED: MAMORI_TEST_PG_URL is not set. Storage and ledger tests ran on SQLite only.\n' +
        '*** To run it: MAMORI_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test npm test\n',
    )
    return
  }
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
    const { rows } = await client.query<{ server_version: string }>('show server_version')
    console.log(`\n*** PostgreSQL suite ENABLED against ${url.replace(/\/\/[^@]*@/, '//')} (server ${rows[0]?.server_version})\n`)
  } catch (err) {
    throw new Error(`MAMORI_TEST_PG_URL is set but PostgreSQL is unreachable: ${(err as Error).message}`)
  } finally {
    await client.end().catch(() => undefined)
  }
}
